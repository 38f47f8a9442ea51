#include "common/calendar.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <utility>

namespace qms {
namespace {

absl::Time Local(const char* zone_name, int y, int mo, int d, int h, int mi) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(zone_name, &zone));
  return absl::FromCivil(absl::CivilMinute(y, mo, d, h, mi), zone);
}

Span Parse(const char* text) {
  absl::StatusOr<Span> span = ParseSpan(text);
  EXPECT_TRUE(span.ok()) << span.status();
  return *span;
}

absl::Time DeadlineOf(const Calendar& c, absl::Time start, const char* span) {
  absl::StatusOr<absl::Time> t = Deadline(c, start, Parse(span));
  EXPECT_TRUE(t.ok()) << t.status();
  return *t;
}

// Shenzhen plant in 2026: National Day holiday 1-7 October, make-up working days on Sunday
// 27 September and Saturday 10 October.
Calendar Shenzhen() {
  Calendar c = DefaultCalendar("SZ1", "Asia/Shanghai");
  c.is_default = false;
  for (int d = 1; d <= 7; ++d) c.holidays.insert(absl::CivilDay(2026, 10, d));
  c.extra_working_days = {absl::CivilDay(2026, 9, 27), absl::CivilDay(2026, 10, 10)};
  return c;
}

TEST(CalendarTest, ParsesSpans) {
  EXPECT_EQ(Parse("24h"), (Span{Unit::kCalendarHours, absl::Hours(24), 0}));
  EXPECT_EQ(Parse("90m"), (Span{Unit::kCalendarHours, absl::Minutes(90), 0}));
  EXPECT_EQ(Parse("5d"), (Span{Unit::kCalendarHours, absl::Hours(120), 0}));
  EXPECT_EQ(Parse("1.5s"), (Span{Unit::kCalendarHours, absl::Milliseconds(1500), 0}));
  EXPECT_EQ(Parse("8 working hours"), (Span{Unit::kWorkingHours, absl::Hours(8), 0}));
  EXPECT_EQ(Parse("3 Working Days"), (Span{Unit::kWorkingDays, absl::ZeroDuration(), 3}));
  for (const char* bad : {"", "h", "3 weeks", "-1h", "2.5 working days", "1e9h"}) {
    EXPECT_FALSE(ParseSpan(bad).ok()) << bad;
  }
}

TEST(CalendarTest, CalendarHoursAreElapsedTimeEvenOnHolidays) {
  const absl::Time start = Local("Asia/Shanghai", 2026, 9, 30, 18, 0);
  EXPECT_EQ(DeadlineOf(Shenzhen(), start, "24h"), start + absl::Hours(24));
}

TEST(CalendarTest, ShanghaiNationalHolidayWeekAndMakeUpSaturday) {
  const Calendar c = Shenzhen();
  // Received Wednesday 30 September 18:00: 1-7 October are off; Thursday 8, Friday 9 and the
  // make-up Saturday 10 October (Monday's hours) are the three working days.
  EXPECT_EQ(DeadlineOf(c, Local("Asia/Shanghai", 2026, 9, 30, 18, 0), "3 working days"),
            Local("Asia/Shanghai", 2026, 10, 10, 17, 0));
  // Received Saturday 26 September, the day before a make-up working day: the make-up Sunday
  // 27th counts, then Monday 28, Tuesday 29.
  EXPECT_EQ(DeadlineOf(c, Local("Asia/Shanghai", 2026, 9, 26, 10, 0), "3 working days"),
            Local("Asia/Shanghai", 2026, 9, 29, 17, 0));
  // Working hours skip the holiday week: 4 h left on 30 September at 15:00 (15-17, then 8-10
  // on 8 October).
  EXPECT_EQ(DeadlineOf(c, Local("Asia/Shanghai", 2026, 9, 30, 15, 0), "4 working hours"),
            Local("Asia/Shanghai", 2026, 10, 8, 10, 0));
  // A make-up day works Monday's hours.
  EXPECT_EQ(DeadlineOf(c, Local("Asia/Shanghai", 2026, 10, 9, 16, 0), "2 working hours"),
            Local("Asia/Shanghai", 2026, 10, 10, 9, 0));
}

TEST(CalendarTest, LunchBreakIsNotWorkingTime) {
  const Calendar c = DefaultCalendar("BER", "Europe/Berlin");  // 08-12, 13-17
  // 10:00 + 3 working hours: 10-12 (2 h), lunch, 13-14.
  EXPECT_EQ(DeadlineOf(c, Local("Europe/Berlin", 2026, 11, 24, 10, 0), "3 working hours"),
            Local("Europe/Berlin", 2026, 11, 24, 14, 0));
  // Starting in the lunch break counts from 13:00.
  EXPECT_EQ(DeadlineOf(c, Local("Europe/Berlin", 2026, 11, 24, 12, 30), "1 working hours"),
            Local("Europe/Berlin", 2026, 11, 24, 14, 0));
  // Exactly the rest of the morning ends at noon, not after lunch.
  EXPECT_EQ(DeadlineOf(c, Local("Europe/Berlin", 2026, 11, 24, 10, 0), "2 working hours"),
            Local("Europe/Berlin", 2026, 11, 24, 12, 0));
  // 8 working hours from 10:00 run into the next morning.
  EXPECT_EQ(DeadlineOf(c, Local("Europe/Berlin", 2026, 11, 24, 10, 0), "8 working hours"),
            Local("Europe/Berlin", 2026, 11, 25, 10, 0));
}

TEST(CalendarTest, BerlinAcrossDaylightSavingChange) {
  const Calendar c = DefaultCalendar("BER", "Europe/Berlin");
  // Clocks go forward on Sunday 29 March 2026. Friday 27 March 15:00 + 8 working hours: 15-17
  // Friday, then Monday 08-12 and 13-15, local time.
  const absl::Time friday = Local("Europe/Berlin", 2026, 3, 27, 15, 0);
  EXPECT_EQ(DeadlineOf(c, friday, "8 working hours"), Local("Europe/Berlin", 2026, 3, 30, 15, 0));
  // Working days close at the local end of the day across the change.
  const absl::Time thursday = Local("Europe/Berlin", 2026, 3, 26, 9, 30);
  const absl::Time due = DeadlineOf(c, thursday, "3 working days");
  EXPECT_EQ(due, Local("Europe/Berlin", 2026, 3, 31, 17, 0));
  EXPECT_EQ(due, absl::FromCivil(absl::CivilMinute(2026, 3, 31, 15, 0), absl::UTCTimeZone()));
  // 24 calendar hours are 24 elapsed hours, so the local clock reads an hour later.
  const absl::Time saturday = Local("Europe/Berlin", 2026, 3, 28, 12, 0);
  EXPECT_EQ(DeadlineOf(c, saturday, "24h"), Local("Europe/Berlin", 2026, 3, 29, 13, 0));
}

TEST(CalendarTest, ThreeWorkingDaysFromFridayEvening) {
  const Calendar c = DefaultCalendar("BER", "Europe/Berlin");
  EXPECT_EQ(DeadlineOf(c, Local("Europe/Berlin", 2026, 11, 20, 19, 45), "3 working days"),
            Local("Europe/Berlin", 2026, 11, 25, 17, 0));  // Mon, Tue, Wed
  Calendar with_holiday = c;
  with_holiday.holidays.insert(absl::CivilDay(2026, 11, 23));  // Monday off
  EXPECT_EQ(
      DeadlineOf(with_holiday, Local("Europe/Berlin", 2026, 11, 20, 19, 45), "3 working days"),
      Local("Europe/Berlin", 2026, 11, 26, 17, 0));
}

// Working time from one moment to another under `c`, summed window by window.
absl::Duration WorkingTime(const Calendar& c, absl::Time from, absl::Time to) {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone(c.time_zone, &zone));
  absl::Duration total;
  for (absl::CivilDay day(absl::ToCivilSecond(from, zone)); absl::FromCivil(day, zone) < to;
       ++day) {
    for (const Window& w : WindowsOn(c, day)) {
      const absl::Time a = std::max(from, absl::FromCivil(absl::CivilMinute(day) + w.start, zone));
      const absl::Time b = std::min(to, absl::FromCivil(absl::CivilMinute(day) + w.end, zone));
      if (b > a) total += b - a;
    }
  }
  return total;
}

// 三个工作日内: the close of the third working day after the day of receipt, wherever in that
// day the complaint came, so never less than three whole working days of working time. A plant
// working 08:00-12:00 and 13:00-17:30 (two windows), Monday to Friday.
TEST(CalendarTest, ThreeWorkingDaysEndAtTheCloseOfTheThirdWorkingDayAfterReceipt) {
  Calendar c = DefaultCalendar("BER", "Europe/Berlin");
  for (int d = 0; d < 5; ++d) c.week[d] = {{8 * 60, 12 * 60}, {13 * 60, 17 * 60 + 30}};
  c.holidays.insert(absl::CivilDay(2026, 11, 23));  // Monday
  const absl::Time friday_close = Local("Europe/Berlin", 2026, 11, 27, 17, 30);
  // Tuesday 24 November: in a window, at lunch, at night, before the day's first window.
  for (const auto& [h, m] : {std::pair{10, 0}, {12, 30}, {22, 0}, {4, 53}}) {
    EXPECT_EQ(DeadlineOf(c, Local("Europe/Berlin", 2026, 11, 24, h, m), "3 working days"),
              friday_close)
        << h << ":" << m;
  }
  // On the Monday holiday, at 04:53 and at 17:00: Tuesday, Wednesday, Thursday, to 17:30 (keeping
  // the time of receipt gave 04:53 on Thursday, before it opens: two days of working time).
  const absl::Time thursday_close = Local("Europe/Berlin", 2026, 11, 26, 17, 30);
  for (const auto& [h, m] : {std::pair{4, 53}, {17, 0}}) {
    const absl::Time received = Local("Europe/Berlin", 2026, 11, 23, h, m);
    const absl::Time due = DeadlineOf(c, received, "3 working days");
    EXPECT_EQ(due, thursday_close) << h << ":" << m;
    EXPECT_EQ(WorkingTime(c, received, due), absl::Minutes(3 * 510));
  }
  // Across the end of daylight saving time (Sunday 25 October): Friday 23 October 11:00 is due
  // Wednesday 28 October 17:30 CET, 16:30 UTC.
  EXPECT_EQ(DeadlineOf(c, Local("Europe/Berlin", 2026, 10, 23, 11, 0), "3 working days"),
            absl::FromCivil(absl::CivilMinute(2026, 10, 28, 16, 30), absl::UTCTimeZone()));
  // Zero working days are no time at all.
  const absl::Time now = Local("Europe/Berlin", 2026, 11, 24, 10, 0);
  EXPECT_EQ(DeadlineOf(c, now, "0 working days"), now);
}

TEST(CalendarTest, RejectsUnusableCalendars) {
  Calendar c = DefaultCalendar("SZ1", "Mars/Olympus");
  EXPECT_EQ(Validate(c).code(), absl::StatusCode::kInvalidArgument);
  c = DefaultCalendar("SZ1", "UTC");
  c.week[0] = {{600, 540}};
  EXPECT_EQ(Validate(c).code(), absl::StatusCode::kInvalidArgument);
  c.week[0] = {{480, 720}, {700, 900}};  // overlapping
  EXPECT_EQ(Validate(c).code(), absl::StatusCode::kInvalidArgument);
  Calendar never;
  never.time_zone = "UTC";
  EXPECT_EQ(Validate(never).code(), absl::StatusCode::kInvalidArgument);
  // A calendar without working time cannot place a working deadline.
  EXPECT_EQ(Deadline(never, absl::Now(), Parse("1 working hours")).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST(CalendarTest, ParsesClockAndDates) {
  EXPECT_EQ(*ParseClock("08:30"), 510);
  EXPECT_EQ(*ParseClock("24:00"), 1440);
  EXPECT_FALSE(ParseClock("24:30").ok());
  EXPECT_FALSE(ParseClock("8:30").ok());
  EXPECT_EQ(FormatClock(510), "08:30");
  EXPECT_EQ(*ParseDate("2026-10-01"), absl::CivilDay(2026, 10, 1));
  EXPECT_FALSE(ParseDate("2026-13-01x").ok());
}

}  // namespace
}  // namespace qms
