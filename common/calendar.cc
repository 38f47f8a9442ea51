#include "common/calendar.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "common/field_violations.h"

namespace qms {
namespace {

constexpr int kDayMinutes = 24 * 60;
constexpr int kSearchDays = 3660;  // ten years without working time: the calendar is broken

int WeekdayIndex(absl::CivilDay day) {
  switch (absl::GetWeekday(day)) {
    case absl::Weekday::monday:
      return 0;
    case absl::Weekday::tuesday:
      return 1;
    case absl::Weekday::wednesday:
      return 2;
    case absl::Weekday::thursday:
      return 3;
    case absl::Weekday::friday:
      return 4;
    case absl::Weekday::saturday:
      return 5;
    case absl::Weekday::sunday:
      return 6;
  }
  return 0;
}

absl::Time At(absl::CivilDay day, int minute, absl::TimeZone zone) {
  return absl::FromCivil(absl::CivilMinute(day) + minute, zone);
}

void CheckWindows(FieldViolations& v, const std::string& field,
                  const std::vector<Window>& windows) {
  for (size_t i = 0; i < windows.size(); ++i) {
    const Window& w = windows[i];
    const std::string at = absl::StrCat(field, "[", i, "]");
    if (w.start < 0 || w.end > kDayMinutes || w.start >= w.end) {
      v.Add(at, "must have 00:00 <= start < end <= 24:00");
    } else if (i > 0 && w.start < windows[i - 1].end) {
      v.Add(at, "must start after the previous window ends");
    }
  }
}

std::vector<Window> Standard() { return {{8 * 60, 12 * 60}, {13 * 60, 17 * 60}}; }

}  // namespace

Calendar DefaultCalendar(std::string plant, std::string time_zone) {
  Calendar c;
  c.plant = std::move(plant);
  c.time_zone = std::move(time_zone);
  for (int d = 0; d < 5; ++d) c.week[d] = Standard();
  c.is_default = true;
  return c;
}

absl::Status Validate(const Calendar& calendar) {
  FieldViolations v;
  absl::TimeZone zone;
  if (calendar.time_zone.empty() || !absl::LoadTimeZone(calendar.time_zone, &zone)) {
    v.Add("calendar.time_zone", "is not a known IANA time zone");
  }
  bool any = false;
  for (int d = 0; d < 7; ++d) {
    CheckWindows(v, absl::StrCat("calendar.week[", d + 1, "].windows"), calendar.week[d]);
    any = any || !calendar.week[d].empty();
  }
  if (!any) v.Add("calendar.week", "must have at least one working day");
  CheckWindows(v, "calendar.extra_day_windows", calendar.extra_day_windows);
  return v.ToStatus();
}

absl::StatusOr<int> ParseClock(absl::string_view text) {
  int h = 0, m = 0;
  if (text.size() == 5 && text[2] == ':' && absl::SimpleAtoi(text.substr(0, 2), &h) &&
      absl::SimpleAtoi(text.substr(3, 2), &m) && m >= 0 && m < 60 && h >= 0 &&
      (h < 24 || (h == 24 && m == 0))) {
    return h * 60 + m;
  }
  return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not HH:MM"));
}

std::string FormatClock(int minutes) {
  return absl::StrFormat("%02d:%02d", minutes / 60, minutes % 60);
}

absl::StatusOr<absl::CivilDay> ParseDate(absl::string_view text) {
  absl::CivilDay day;
  if (text.size() == 10 && absl::ParseCivilTime(text, &day)) return day;
  return absl::InvalidArgumentError(absl::StrCat("\"", text, "\" is not YYYY-MM-DD"));
}

absl::StatusOr<Span> ParseSpan(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(absl::StripAsciiWhitespace(text));
  absl::string_view rest = lower;
  const auto bad = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "\"", text, "\" is not a duration like 24h, 90m, 5d, 8 working hours, 3 working days"));
  };
  size_t digits = 0;
  while (digits < rest.size() && (absl::ascii_isdigit(rest[digits]) || rest[digits] == '.')) {
    ++digits;
  }
  double amount = 0;
  if (digits == 0 || !absl::SimpleAtod(rest.substr(0, digits), &amount) || amount < 0 ||
      amount > 1e6) {
    return bad();
  }
  rest = absl::StripLeadingAsciiWhitespace(rest.substr(digits));
  Span span;
  if (rest == "working days" || rest == "working day") {
    if (amount != std::floor(amount)) return bad();
    span.unit = Unit::kWorkingDays;
    span.days = static_cast<int>(amount);
    return span;
  }
  if (rest == "working hours" || rest == "working hour") {
    span.unit = Unit::kWorkingHours;
    span.time = absl::Seconds(std::llround(amount * 3600));
    return span;
  }
  span.unit = Unit::kCalendarHours;
  if (rest == "h") {
    span.time = absl::Seconds(std::llround(amount * 3600));
  } else if (rest == "m") {
    span.time = absl::Seconds(std::llround(amount * 60));
  } else if (rest == "s") {
    span.time = absl::Milliseconds(std::llround(amount * 1000));
  } else if (rest == "d") {
    span.time = absl::Seconds(std::llround(amount * 86400));
  } else {
    return bad();
  }
  return span;
}

const std::vector<Window>& WindowsOn(const Calendar& calendar, absl::CivilDay day) {
  static const std::vector<Window>* const kNone = new std::vector<Window>();
  if (calendar.extra_working_days.count(day) > 0) {
    return calendar.extra_day_windows.empty() ? calendar.week[0] : calendar.extra_day_windows;
  }
  if (calendar.holidays.count(day) > 0) return *kNone;
  return calendar.week[WeekdayIndex(day)];
}

absl::StatusOr<absl::Time> Deadline(const Calendar& calendar, absl::Time start, const Span& span) {
  if (span.unit == Unit::kCalendarHours) return start + span.time;
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(calendar.time_zone, &zone)) {
    return absl::FailedPreconditionError(
        absl::StrCat("plant ", calendar.plant, " has an unknown time zone"));
  }
  absl::CivilDay day(absl::ToCivilSecond(start, zone));
  const auto no_time = [&] {
    return absl::FailedPreconditionError(
        absl::StrCat("the calendar of plant ", calendar.plant, " has no working time ahead"));
  };

  if (span.unit == Unit::kWorkingDays) {
    // The end of the last window of the N-th working day after the day of receipt.
    if (span.days == 0) return start;
    for (int counted = 0, scanned = 0; counted < span.days; ++scanned) {
      if (scanned > kSearchDays) return no_time();
      ++day;
      if (!WindowsOn(calendar, day).empty()) ++counted;
    }
    return At(day, WindowsOn(calendar, day).back().end, zone);
  }

  absl::Duration left = span.time;
  if (left <= absl::ZeroDuration()) return start;
  for (int scanned = 0; scanned <= kSearchDays; ++scanned, ++day) {
    for (const Window& w : WindowsOn(calendar, day)) {
      const absl::Time from = std::max(start, At(day, w.start, zone));
      const absl::Time to = At(day, w.end, zone);
      if (to <= from) continue;
      if (to - from >= left) return from + left;
      left -= to - from;
    }
  }
  return no_time();
}

absl::Duration WorkingTimeBetween(const Calendar& calendar, absl::Time from, absl::Time to) {
  absl::Duration total;
  absl::TimeZone zone;
  if (to <= from || !absl::LoadTimeZone(calendar.time_zone, &zone)) return total;
  for (absl::CivilDay day(absl::ToCivilSecond(from, zone)); At(day, 0, zone) < to; ++day) {
    for (const Window& w : WindowsOn(calendar, day)) {
      const absl::Time a = std::max(from, At(day, w.start, zone));
      const absl::Time b = std::min(to, At(day, w.end, zone));
      if (b > a) total += b - a;
    }
  }
  return total;
}

}  // namespace qms
