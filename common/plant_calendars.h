// Where each plant is and when it works: the one answer every service gives.
//
// A plant's time zone and working calendar come from one source, the plants file every service
// reads (--plants_file, common/plants.h; the Helm chart ships it as one ConfigMap to all pods):
// its zone (else --default_time_zone) and its calendar (else the default week, Monday to Friday
// 08:00-12:00 and 13:00-17:00, in that zone). Complaints numbers, counts months, summarises
// audits and prints reports in that zone and places "3 working days" with that calendar; the
// notification service arms timers with it and refuses, in SetCalendar, any other zone for the
// plant and any calendar for a plant whose calendar the file gives. Plain C++, no I/O.
#ifndef QMS_COMMON_PLANT_CALENDARS_H_
#define QMS_COMMON_PLANT_CALENDARS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/calendar.h"

namespace qms {

class PlantCalendars {
 public:
  // Every plant in `default_zone` (an IANA name that must load: the caller checks it).
  explicit PlantCalendars(std::string default_zone = "UTC");

  // Lists `plant` in `zone`, with `calendar` (its plant and zone are set here) when the file gives
  // one. INVALID_ARGUMENT for an unknown zone.
  absl::Status Add(const std::string& plant, const std::string& zone,
                   const Calendar* calendar = nullptr);

  absl::TimeZone Zone(absl::string_view plant) const;
  const std::string& ZoneName(absl::string_view plant) const;
  // The plant's calendar (is_default when the file gives none).
  Calendar CalendarOf(absl::string_view plant) const;
  // Whether the file gives the plant's calendar (it is then the calendar's only writer).
  bool GivesCalendar(absl::string_view plant) const;
  // The calendars the file gives, by plant code.
  std::vector<Calendar> GivenCalendars() const;

 private:
  struct Entry {
    absl::TimeZone zone;
    Calendar calendar;
    bool given = false;
  };
  std::string default_name_;
  absl::TimeZone default_zone_;
  std::map<std::string, Entry, std::less<>> plants_;
};

}  // namespace qms

#endif  // QMS_COMMON_PLANT_CALENDARS_H_
