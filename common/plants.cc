#include "common/plants.h"

#include <set>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "common/config.h"
#include "common/field_violations.h"
#include "common/read_file.h"
#include "common/resource_name.h"
#include "nlohmann/json.hpp"

ABSL_FLAG(std::string, default_time_zone, "UTC",
          "IANA time zone of the plants --plants_file does not list");
ABSL_FLAG(std::string, plants_file, "",
          "JSON file of the plants served: code, IANA time zone and working calendar of each "
          "(see common/plants.h); empty: plants are known only from requests");

namespace qms::config {
namespace {

// The member `camel` or `snake` of `object` (proto JSON accepts both), or null.
const nlohmann::json& Member(const nlohmann::json& object, const char* camel, const char* snake) {
  static const nlohmann::json kNull;
  if (object.contains(camel)) return object[camel];
  if (object.contains(snake)) return object[snake];
  return kNull;
}

std::vector<Window> WindowsOf(FieldViolations& v, const std::string& field,
                              const nlohmann::json& list) {
  std::vector<Window> out;
  if (list.is_null()) return out;
  if (!list.is_array() || list.size() > kMaxWindowsPerDay) {
    v.Add(field, absl::StrCat("must be a list of at most ", kMaxWindowsPerDay, " windows"));
    return out;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    const nlohmann::json& w = list[i];
    absl::StatusOr<int> start = absl::InvalidArgumentError("");
    absl::StatusOr<int> end = absl::InvalidArgumentError("");
    if (w.is_object() && w.contains("start") && w["start"].is_string() && w.contains("end") &&
        w["end"].is_string()) {
      start = ParseClock(w["start"].get<std::string>());
      end = ParseClock(w["end"].get<std::string>());
    }
    if (!start.ok() || !end.ok()) {
      v.Add(absl::StrCat(field, "[", i, "]"), "start and end must be HH:MM");
      continue;
    }
    out.push_back({*start, *end});
  }
  return out;
}

std::set<absl::CivilDay> DatesOf(FieldViolations& v, const std::string& field,
                                 const nlohmann::json& list) {
  std::set<absl::CivilDay> out;
  if (list.is_null()) return out;
  if (!list.is_array() || list.size() > kMaxCalendarDates) {
    v.Add(field, absl::StrCat("must be a list of at most ", kMaxCalendarDates, " dates"));
    return out;
  }
  for (size_t i = 0; i < list.size(); ++i) {
    absl::StatusOr<absl::CivilDay> day = absl::InvalidArgumentError("");
    if (list[i].is_string()) day = ParseDate(list[i].get<std::string>());
    if (!day.ok()) {
      v.Add(absl::StrCat(field, "[", i, "]"), "must be YYYY-MM-DD");
    } else {
      out.insert(*day);
    }
  }
  return out;
}

// The calendar object of plants[i] (the Calendar message's JSON without plant and zone).
std::optional<Calendar> CalendarOf(FieldViolations& v, const std::string& field,
                                   const std::string& code, const std::string& zone,
                                   const nlohmann::json& in) {
  const size_t before = v.size();
  Calendar c;
  c.plant = code;
  c.time_zone = zone;
  const nlohmann::json& week = Member(in, "week", "week");
  if (!week.is_null() && !week.is_array()) v.Add(field + ".week", "must be a list of days");
  std::set<int> days;
  for (size_t i = 0; week.is_array() && i < week.size(); ++i) {
    const std::string at = absl::StrCat(field, ".week[", i, "]");
    const nlohmann::json& d = week[i];
    const int weekday = d.is_object() && d.contains("weekday") && d["weekday"].is_number_integer()
                            ? d["weekday"].get<int>()
                            : 0;
    if (weekday < 1 || weekday > 7 || !days.insert(weekday).second) {
      v.Add(at + ".weekday", "must be 1 (Monday) to 7 (Sunday), each once");
      continue;
    }
    c.week[weekday - 1] = WindowsOf(v, at + ".windows", Member(d, "windows", "windows"));
  }
  c.holidays = DatesOf(v, field + ".holidays", Member(in, "holidays", "holidays"));
  c.extra_working_days =
      DatesOf(v, field + ".extraWorkingDays", Member(in, "extraWorkingDays", "extra_working_days"));
  c.extra_day_windows =
      WindowsOf(v, field + ".extraDayWindows", Member(in, "extraDayWindows", "extra_day_windows"));
  if (v.size() > before) return std::nullopt;
  if (absl::Status valid = Validate(c); !valid.ok()) {
    // Validate names fields from "calendar."; here they are the file's.
    for (const FieldViolation& f : ViolationsOf(valid)) {
      v.Add(absl::StrCat(field, f.field.substr(f.field.find('.'))), f.description);
    }
    return std::nullopt;
  }
  return c;
}

}  // namespace

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
      } else if (!plant.time_zone.empty() && absl::LoadTimeZone(plant.time_zone, &zone)) {
        plant.calendar =
            CalendarOf(v, field + ".calendar", plant.code, plant.time_zone, entry["calendar"]);
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

namespace qms::config {

absl::StatusOr<PlantCalendars> PlantCalendarsFromFlags() {
  const std::string default_zone = absl::GetFlag(FLAGS_default_time_zone);
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(default_zone, &zone)) {
    return InvalidField("default_time_zone",
                        absl::StrCat("\"", default_zone, "\" is not an IANA time zone"));
  }
  absl::StatusOr<std::vector<Plant>> plants = PlantsFromFlags();
  if (!plants.ok()) return plants.status();
  PlantCalendars out(default_zone);
  for (const Plant& p : *plants) {
    if (absl::Status s = out.Add(p.code, p.time_zone, p.calendar ? &*p.calendar : nullptr);
        !s.ok()) {
      return s;
    }
  }
  return out;
}

}  // namespace qms::config
