// libFuzzer target: the notification service's policy files, duration texts and plant calendars.
// Invariants: parsing never crashes; a deadline, when there is one, is never before its start;
// stage plans never put a stage before the timer's start except an explicit due in the past.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstdlib>

#include "common/calendar.h"
#include "services/notifications/policy.h"

using namespace qms;                 // NOLINT
using namespace qms::notifications;  // NOLINT

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0: {
      (void)ParsePolicies(in.ConsumeRemainingBytesAsString());
      return 0;
    }
    case 1: {
      (void)ParseSpan(in.ConsumeRandomLengthString(40));
      (void)ParseClock(in.ConsumeRandomLengthString(8));
      (void)ParseDate(in.ConsumeRandomLengthString(12));
      return 0;
    }
    default:
      break;
  }
  static const char* const kZones[] = {"UTC", "Asia/Shanghai", "Europe/Berlin", "America/Sao_Paulo",
                                       "Australia/Lord_Howe"};
  Calendar c;
  c.plant = "X1";
  c.time_zone = kZones[in.ConsumeIntegralInRange(0, 4)];
  for (auto& day : c.week) {
    int at = 0;
    for (int w = in.ConsumeIntegralInRange(0, 3); w > 0 && at < 1440; --w) {
      const int start = in.ConsumeIntegralInRange(at, 1439);
      const int end = in.ConsumeIntegralInRange(start + 1, 1440);
      day.push_back({start, end});
      at = end;
    }
  }
  for (int h = in.ConsumeIntegralInRange(0, 20); h > 0; --h) {
    c.holidays.insert(absl::CivilDay(2026, 1, 1) + in.ConsumeIntegralInRange(0, 730));
  }
  for (int e = in.ConsumeIntegralInRange(0, 5); e > 0; --e) {
    c.extra_working_days.insert(absl::CivilDay(2026, 1, 1) + in.ConsumeIntegralInRange(0, 730));
  }
  if (!Validate(c).ok()) return 0;
  const absl::Time start =
      absl::FromUnixSeconds(1'767'225'600 + in.ConsumeIntegralInRange<int64_t>(0, 63'072'000));
  Span span;
  switch (in.ConsumeIntegralInRange(0, 2)) {
    case 0:
      span = {Unit::kCalendarHours, absl::Seconds(in.ConsumeIntegralInRange(0, 1'000'000)), 0};
      break;
    case 1:
      span = {Unit::kWorkingHours, absl::Minutes(in.ConsumeIntegralInRange(0, 20'000)), 0};
      break;
    default:
      span = {Unit::kWorkingDays, absl::ZeroDuration(), in.ConsumeIntegralInRange(0, 400)};
  }
  absl::StatusOr<absl::Time> due = Deadline(c, start, span);
  if (due.ok() && *due < start) std::abort();
  if (!due.ok() && due.status().code() != absl::StatusCode::kFailedPrecondition) std::abort();
  return 0;
}
