// The plants a deployment serves, from one file every service reads (--plants_file; the Helm
// chart ships it as a ConfigMap built from `plants:` in values.yaml):
//
//   {"plants": [{"code": "SZ1", "timeZone": "Asia/Shanghai",
//                "calendar": {"week": [{"weekday": 1, "windows": [{"start": "08:00", ...}]}],
//                             "holidays": ["2026-10-01"], "extraWorkingDays": [...]}}]}
//
// Each service takes what it needs: the time zone of each plant (complaints), the working
// calendar (notifications, which owns calendars). `calendar` has the shape of the Calendar
// message of the notifications API (proto JSON), without plant and time zone.
#ifndef QMS_COMMON_PLANTS_H_
#define QMS_COMMON_PLANTS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qms::config {

struct Plant {
  std::string code;           // e.g. "SZ1"
  std::string time_zone;      // IANA, loadable here
  std::string calendar_json;  // the "calendar" object as JSON text; empty when not given
};

// INVALID_ARGUMENT naming the entry and field (plants[1].timeZone, ...) for a malformed file,
// an invalid plant code, an unknown time zone, a duplicate code or a calendar that is not an
// object.
absl::StatusOr<std::vector<Plant>> ParsePlants(absl::string_view json);

// The plants of --plants_file; none when the flag is empty.
absl::StatusOr<std::vector<Plant>> PlantsFromFlags();

// code -> time zone name.
std::map<std::string, std::string, std::less<>> TimeZonesOf(const std::vector<Plant>& plants);

}  // namespace qms::config

#endif  // QMS_COMMON_PLANTS_H_
