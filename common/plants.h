// The plants a deployment serves, from one file every service reads (--plants_file; the Helm
// chart ships it as a ConfigMap built from `plants:` in values.yaml):
//
//   {"plants": [{"code": "SZ1", "timeZone": "Asia/Shanghai",
//                "calendar": {"week": [{"weekday": 1, "windows": [{"start": "08:00", ...}]}],
//                             "holidays": ["2026-10-01"], "extraWorkingDays": [...]}}]}
//
// It is the one source of each plant's time zone and working calendar (see plant_calendars.h).
// `calendar` has the shape of the Calendar message of the notifications API (proto JSON, camel
// or snake case names), without plant and time zone.
#ifndef QMS_COMMON_PLANTS_H_
#define QMS_COMMON_PLANTS_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "common/calendar.h"
#include "common/plant_calendars.h"

namespace qms::config {

struct Plant {
  std::string code;                  // e.g. "SZ1"
  std::string time_zone;             // IANA, loadable here
  std::optional<Calendar> calendar;  // valid; none when the file gives none
};

// INVALID_ARGUMENT naming the entry and field (plants[1].timeZone, plants[0].calendar.week[2]
// .windows[0], ...) for a malformed file, an invalid plant code, an unknown time zone, a
// duplicate code or a calendar that is not usable.
absl::StatusOr<std::vector<Plant>> ParsePlants(absl::string_view json);

// The plants of --plants_file; none when the flag is empty.
absl::StatusOr<std::vector<Plant>> PlantsFromFlags();

// code -> time zone name.
std::map<std::string, std::string, std::less<>> TimeZonesOf(const std::vector<Plant>& plants);

// The plants of --plants_file, others in --default_time_zone.
absl::StatusOr<PlantCalendars> PlantCalendarsFromFlags();

}  // namespace qms::config

#endif  // QMS_COMMON_PLANTS_H_
