#include "common/plants.h"

#include <gtest/gtest.h>

#include "common/field_violations.h"

namespace qms::config {
namespace {

std::vector<std::string> FieldsOf(const absl::Status& status) {
  std::vector<std::string> fields;
  for (const FieldViolation& v : ViolationsOf(status)) fields.push_back(v.field);
  return fields;
}

TEST(Plants, ReadsCodesZonesAndCalendars) {
  auto plants = ParsePlants(R"({"plants": [
      {"code": "SZ1", "timeZone": "Asia/Shanghai",
       "calendar": {"week": [{"weekday": 1, "windows": [{"start": "08:00", "end": "17:00"}]}],
                    "holidays": ["2026-10-01"]}},
      {"code": "BER", "timeZone": "Europe/Berlin"}]})");
  ASSERT_TRUE(plants.ok()) << plants.status();
  ASSERT_EQ(plants->size(), 2u);
  EXPECT_EQ((*plants)[0].code, "SZ1");
  EXPECT_EQ((*plants)[0].time_zone, "Asia/Shanghai");
  EXPECT_NE((*plants)[0].calendar_json.find("2026-10-01"), std::string::npos);
  EXPECT_EQ((*plants)[1].calendar_json, "") << "no calendar: the service's default week";
  const auto zones = TimeZonesOf(*plants);
  EXPECT_EQ(zones.at("BER"), "Europe/Berlin");
  EXPECT_EQ(zones.size(), 2u);
}

TEST(Plants, EmptyListIsValid) {
  auto plants = ParsePlants(R"({"plants": []})");
  ASSERT_TRUE(plants.ok());
  EXPECT_TRUE(plants->empty());
}

TEST(Plants, NamesEveryBadFieldAtOnce) {
  auto plants = ParsePlants(R"({"plants": [
      {"code": "sz 1", "timeZone": "Asia/Shanghai"},
      {"code": "BER", "timeZone": "Mars/Olympus"},
      {"code": "BER", "timeZone": "Europe/Berlin", "calendar": "weekdays"},
      {"timeZone": "UTC"},
      7]})");
  ASSERT_EQ(plants.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldsOf(plants.status()),
            (std::vector<std::string>{"plants[0].code", "plants[1].timeZone", "plants[2].code",
                                      "plants[2].calendar", "plants[3].code", "plants[4]"}));
  EXPECT_NE(plants.status().message().find("Mars/Olympus"), absl::string_view::npos);
}

TEST(Plants, RefusesWhatIsNotAPlantsFile) {
  for (const char* text : {"", "{", "[]", R"({"plant": []})", R"({"plants": {}})"}) {
    auto plants = ParsePlants(text);
    EXPECT_EQ(plants.status().code(), absl::StatusCode::kInvalidArgument) << text;
    EXPECT_EQ(FieldsOf(plants.status()), std::vector<std::string>{"plants"}) << text;
  }
}

}  // namespace
}  // namespace qms::config
