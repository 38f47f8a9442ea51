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
  ASSERT_TRUE((*plants)[0].calendar.has_value());
  EXPECT_EQ((*plants)[0].calendar->holidays.count(absl::CivilDay(2026, 10, 1)), 1u);
  EXPECT_EQ((*plants)[0].calendar->week[0], (std::vector<Window>{{480, 1020}}));
  EXPECT_TRUE((*plants)[0].calendar->week[1].empty());
  EXPECT_EQ((*plants)[0].calendar->time_zone, "Asia/Shanghai");
  EXPECT_FALSE((*plants)[1].calendar.has_value()) << "no calendar: the default week";
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

TEST(Plants, NamesTheBadPartsOfACalendar) {
  auto plants = ParsePlants(R"({"plants": [
      {"code": "SZ1", "timeZone": "Asia/Shanghai",
       "calendar": {"week": [{"weekday": 8, "windows": []},
                             {"weekday": 2, "windows": [{"start": "8:00", "end": "17:00"}]},
                             {"weekday": 3, "windows": [{"start": "17:00", "end": "08:00"}]}],
                    "holidays": ["2026-02-30"], "extra_working_days": ["tomorrow"]}}]})");
  ASSERT_EQ(plants.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldsOf(plants.status()),
            (std::vector<std::string>{
                "plants[0].calendar.week[0].weekday", "plants[0].calendar.week[1].windows[0]",
                "plants[0].calendar.holidays[0]", "plants[0].calendar.extraWorkingDays[0]"}));
  plants = ParsePlants(R"({"plants": [{"code": "SZ1", "timeZone": "Asia/Shanghai",
      "calendar": {"week": [{"weekday": 3, "windows": [{"start": "17:00", "end": "08:00"}]}]}}]})");
  ASSERT_EQ(plants.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(FieldsOf(plants.status()),
            (std::vector<std::string>{"plants[0].calendar.week[3].windows[0]"}));
}

TEST(Plants, OneSourceForEveryPlantsZoneAndCalendar) {
  auto plants = ParsePlants(R"({"plants": [
      {"code": "SZ1", "timeZone": "Asia/Shanghai",
       "calendar": {"week": [{"weekday": 6, "windows": [{"start": "08:00", "end": "12:00"}]}]}},
      {"code": "DET", "timeZone": "America/Detroit"}]})");
  ASSERT_TRUE(plants.ok()) << plants.status();
  PlantCalendars calendars("Europe/Berlin");
  for (const Plant& p : *plants) {
    ASSERT_TRUE(calendars.Add(p.code, p.time_zone, p.calendar ? &*p.calendar : nullptr).ok());
  }
  EXPECT_EQ(calendars.ZoneName("SZ1"), "Asia/Shanghai");
  EXPECT_TRUE(calendars.GivesCalendar("SZ1"));
  EXPECT_EQ(calendars.CalendarOf("SZ1").week[5], (std::vector<Window>{{480, 720}}));
  EXPECT_FALSE(calendars.CalendarOf("SZ1").is_default);
  EXPECT_EQ(calendars.ZoneName("DET"), "America/Detroit");
  EXPECT_FALSE(calendars.GivesCalendar("DET"));
  EXPECT_TRUE(calendars.CalendarOf("DET").is_default);
  EXPECT_EQ(calendars.CalendarOf("DET").time_zone, "America/Detroit");
  EXPECT_EQ(calendars.ZoneName("XX1"), "Europe/Berlin") << "unlisted: the default zone";
  EXPECT_EQ(calendars.CalendarOf("XX1").plant, "XX1");
  const absl::Time t = absl::FromUnixSeconds(1767225660);  // 2025-12-31 16:01 UTC
  EXPECT_EQ(absl::ToCivilYear(t, calendars.Zone("SZ1")).year(), 2026);
  EXPECT_EQ(absl::ToCivilYear(t, calendars.Zone("DET")).year(), 2025);
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
