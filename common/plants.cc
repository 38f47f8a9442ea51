#include "common/plants.h"

#include <set>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/config.h"
#include "common/field_violations.h"
#include "common/resource_name.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(std::string, plants_file, "",
          "JSON file of the plants served: code, IANA time zone and working calendar of each "
          "(see common/plants.h); empty: plants are known only from requests");

namespace qms::config {

absl::StatusOr<std::vector<Plant>> ParsePlants(absl::string_view json) {
  const nlohmann::json doc = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded()) return InvalidField("plants", "the file is not valid JSON");
  if (!doc.is_object() || !doc.contains("plants") || !doc["plants"].is_array()) {
    return InvalidField("plants", "the file must be an object with a \"plants\" array");
  }
  FieldViolations v;
  std::vector<Plant> out;
  std::set<std::string> seen;
  const nlohmann::json& list = doc["plants"];
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string field = absl::StrCat("plants[", i, "]");
    const nlohmann::json& entry = list[i];
    if (!entry.is_object()) {
      v.Add(field, "must be an object");
      continue;
    }
    Plant plant;
    if (entry.contains("code") && entry["code"].is_string()) plant.code = entry["code"];
    if (!IsValidPlantCode(plant.code)) {
      v.Add(field + ".code",
            "must be 2 to 16 of A-Z, 0-9, '-' or '_', starting with a letter (e.g. SZ1)");
    } else if (!seen.insert(plant.code).second) {
      v.Add(field + ".code", absl::StrCat(plant.code, " is listed twice"));
    }
    if (entry.contains("timeZone") && entry["timeZone"].is_string()) {
      plant.time_zone = entry["timeZone"];
    }
    absl::TimeZone zone;
    if (plant.time_zone.empty() || !absl::LoadTimeZone(plant.time_zone, &zone)) {
      v.Add(field + ".timeZone",
            absl::StrCat("\"", plant.time_zone, "\" is not an IANA time zone"));
    }
    if (entry.contains("calendar") && !entry["calendar"].is_null()) {
      if (!entry["calendar"].is_object()) {
        v.Add(field + ".calendar", "must be an object");
      } else {
        plant.calendar_json = entry["calendar"].dump();
      }
    }
    out.push_back(std::move(plant));
  }
  if (!v.empty()) return v.ToStatus();
  return out;
}

absl::StatusOr<std::vector<Plant>> PlantsFromFlags() {
  const std::string file = absl::GetFlag(FLAGS_plants_file);
  if (file.empty()) return std::vector<Plant>{};
  absl::StatusOr<std::string> content = ReadFile(file);
  if (!content.ok()) return content.status();
  absl::StatusOr<std::vector<Plant>> plants = ParsePlants(*content);
  if (!plants.ok()) {
    return absl::Status(plants.status().code(),
                        absl::StrCat(file, ": ", plants.status().message()));
  }
  return plants;
}

std::map<std::string, std::string, std::less<>> TimeZonesOf(const std::vector<Plant>& plants) {
  std::map<std::string, std::string, std::less<>> out;
  for (const Plant& p : plants) out[p.code] = p.time_zone;
  return out;
}

}  // namespace qms::config
