// Plant calendars: when a plant works, and what "24 hours", "8 working hours" and "3 working days"
// after a moment mean there. Plain C++, no I/O.
//
// - Calendar hours are elapsed time: 24 h across a DST change is still 86,400 s.
// - Working hours count only time inside the day's windows (a lunch break is a gap between two).
// - N working days end at the close of the N-th working day after the day of receipt: the end of
//   that day's last window, in plant-local time (so across DST too). The day of receipt is not
//   counted, whenever in it the complaint came: received Friday 10:00, at 18:00, or on a Sunday
//   holiday, "3 working days" end when Wednesday's last window closes (Monday to Wednesday
//   working). This is how the plants read 三个工作日内: three whole working days of working time,
//   never less (keeping the time of receipt gave as little as two days when a complaint came at
//   night or on a holiday), answered by the close of business.
// - A day works when its weekday has windows and it is not a holiday, or when it is an extra
//   (make-up) working day; holidays win over the week, extra days win over holidays.
#ifndef QMS_COMMON_CALENDAR_H_
#define QMS_COMMON_CALENDAR_H_

#include <array>
#include <cstddef>
#include <set>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace qms {

// Minutes after plant-local midnight, [start, end), 0 <= start < end <= 1440.
struct Window {
  int start = 0;
  int end = 0;
  bool operator==(const Window& o) const { return start == o.start && end == o.end; }
};

// Bounds on what one calendar may list, the same from the API and from the plants file.
inline constexpr size_t kMaxWindowsPerDay = 8;
inline constexpr size_t kMaxCalendarDates = 400;  // holidays, and make-up days

struct Calendar {
  std::string plant;
  std::string time_zone = "UTC";
  std::array<std::vector<Window>, 7> week;  // [0] = Monday ... [6] = Sunday
  std::set<absl::CivilDay> holidays;
  std::set<absl::CivilDay> extra_working_days;
  std::vector<Window> extra_day_windows;  // empty: Monday's
  bool is_default = false;
};

// Monday to Friday, 08:00-12:00 and 13:00-17:00, in `time_zone`.
Calendar DefaultCalendar(std::string plant, std::string time_zone);

// INVALID_ARGUMENT with field violations (time_zone, week[i].windows[j], ...) when unusable.
absl::Status Validate(const Calendar& calendar);

// "08:00" <-> 480. Parse accepts "24:00" (as an end).
absl::StatusOr<int> ParseClock(absl::string_view text);
std::string FormatClock(int minutes);
absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text);

enum class Unit { kCalendarHours, kWorkingHours, kWorkingDays };

struct Span {
  Unit unit = Unit::kCalendarHours;
  absl::Duration time;  // calendar or working hours
  int days = 0;         // working days
  bool operator==(const Span& o) const {
    return unit == o.unit && time == o.time && days == o.days;
  }
};

// "24h", "90m", "30s", "5d" (calendar); "8 working hours"; "3 working days".
absl::StatusOr<Span> ParseSpan(absl::string_view text);

// The windows the plant works on `day` (empty on a day off).
const std::vector<Window>& WindowsOn(const Calendar& calendar, absl::CivilDay day);

// The working time inside [from, to) (zero when to <= from).
absl::Duration WorkingTimeBetween(const Calendar& calendar, absl::Time from, absl::Time to);

// When `span` after `start` ends. FAILED_PRECONDITION when the calendar has no working time in
// the next ten years (e.g. an empty week) or the zone is unknown.
absl::StatusOr<absl::Time> Deadline(const Calendar& calendar, absl::Time start, const Span& span);

}  // namespace qms

#endif  // QMS_COMMON_CALENDAR_H_
