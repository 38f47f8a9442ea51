// Plant calendars: a read pairs content and etag, changes move deadlines, and the plants file is
// the one source both services place deadlines with.
#include "tests/notifications/harness.h"

namespace qms::notifications {
namespace {

// GetCalendar answers content and etag from one read: with a writer storing version v with v
// holidays, no reader ever sees an etag beside another version's content (a SetCalendar carrying
// such an etag would silently undo another writer's change).
TEST(NotificationsEndToEnd, ACalendarReadPairsItsContentWithItsOwnEtag) {
  TestDatabase db;
  ServiceProcess notifications(kNotifications, db, ShanghaiFlags());
  std::atomic<bool> writing{true};
  std::atomic<int> reads{0}, mismatches{0};
  std::thread writer([&] {
    auto calendars = StubOf<v1::CalendarService>(notifications);
    std::string etag;
    for (int v = 1; v <= 40; ++v) {
      v1::SetCalendarRequest set;
      set.set_etag(etag);
      v1::Calendar* calendar = set.mutable_calendar();
      calendar->set_plant("SZ1");
      calendar->set_time_zone("Asia/Shanghai");
      auto* day = calendar->add_week();
      day->set_weekday(1);
      auto* window = day->add_windows();
      window->set_start("08:00");
      window->set_end("17:00");
      for (int h = 0; h < v; ++h) {
        calendar->add_holidays(absl::FormatCivilTime(absl::CivilDay(2030, 1, 1) + h));
      }
      grpc::ClientContext context;
      testing::Authorize(context);
      v1::Calendar stored;
      const grpc::Status s = calendars->SetCalendar(&context, set, &stored);
      EXPECT_TRUE(s.ok()) << s.error_message();
      etag = stored.etag();
    }
    writing = false;
  });
  std::vector<std::thread> readers;
  for (int r = 0; r < 3; ++r) {
    readers.emplace_back([&] {
      auto calendars = StubOf<v1::CalendarService>(notifications);
      while (writing) {
        grpc::ClientContext context;
        testing::Authorize(context);
        v1::GetCalendarRequest get;
        get.set_plant("SZ1");
        v1::Calendar c;
        if (!calendars->GetCalendar(&context, get, &c).ok()) continue;
        ++reads;
        if (c.holidays_size() != std::stoi(c.etag())) ++mismatches;
      }
    });
  }
  writer.join();
  for (std::thread& t : readers) t.join();
  EXPECT_GT(reads.load(), 0) << "the readers ran while the writer wrote";
  EXPECT_EQ(mismatches.load(), 0);
}

// 3 working days from a Friday evening in Shenzhen close on Wednesday at 17:00; a plant shutdown
// declared on the Monday moves them to Thursday, as ComputeDeadline says. The Friday is the first
// one at least a week after the database's today, so the stages lie ahead on any date.
TEST(NotificationsEndToEnd, CalendarChangesMoveDeadlines) {
  TestDatabase db;
  ServiceProcess notifications(kNotifications, db, ShanghaiFlags());
  auto calendars = StubOf<v1::CalendarService>(notifications);
  TimerCalls timers(notifications);
  const absl::TimeZone shanghai = Shanghai();
  absl::CivilDay friday = absl::CivilDay(absl::ToCivilSecond(DbNow(db), shanghai)) + 7;
  while (absl::GetWeekday(friday) != absl::Weekday::friday) ++friday;
  const auto at = [&](absl::CivilDay day, int hour) {
    return absl::FromCivil(absl::CivilSecond(day.year(), day.month(), day.day(), hour, 0, 0),
                           shanghai);
  };
  v1::SetCalendarRequest set;
  v1::Calendar* calendar = set.mutable_calendar();
  calendar->set_plant("SZ1");
  calendar->set_time_zone("Asia/Shanghai");
  for (int day = 1; day <= 5; ++day) {
    auto* w = calendar->add_week();
    w->set_weekday(day);
    auto* window = w->add_windows();
    window->set_start("08:00");
    window->set_end("17:00");
  }
  v1::Calendar stored;
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    ASSERT_TRUE(calendars->SetCalendar(&context, set, &stored).ok());
  }
  const v1::Timer before =
      timers.Arm("plants/SZ1/complaints/SZ1-2026-00042", "test.working", at(friday, 18));
  EXPECT_EQ(DueOf(before, v1::BREACH), at(friday + 5, 17));

  calendar->add_holidays(absl::FormatCivilTime(friday + 3));
  set.set_etag("999");
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    EXPECT_EQ(calendars->SetCalendar(&context, set, &stored).error_code(), grpc::ABORTED)
        << "a stale etag loses";
  }
  set.set_etag(stored.etag());
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    ASSERT_TRUE(calendars->SetCalendar(&context, set, &stored).ok());
  }
  const absl::Time thursday_close = at(friday + 6, 17);
  EXPECT_EQ(DueOf(timers.Get(before), v1::BREACH), thursday_close);

  v1::ComputeDeadlineRequest compute;
  compute.set_plant("SZ1");
  compute.mutable_start_time()->set_seconds(absl::ToUnixSeconds(at(friday, 18)));
  compute.mutable_duration()->set_amount(3);
  compute.mutable_duration()->set_unit(v1::WORKING_DAYS);
  v1::ComputeDeadlineResponse deadline;
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    ASSERT_TRUE(calendars->ComputeDeadline(&context, compute, &deadline).ok());
  }
  EXPECT_EQ(deadline.deadline().seconds(), absl::ToUnixSeconds(thursday_close));

  // The plants file is the one source of SZ1's zone: a calendar naming another is refused.
  calendar->set_time_zone("Europe/Berlin");
  set.set_etag("");
  grpc::ClientContext context;
  testing::Authorize(context);
  const grpc::Status other_zone = calendars->SetCalendar(&context, set, &stored);
  EXPECT_EQ(other_zone.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(testing::ViolatedFields(other_zone), std::vector<std::string>{"calendar.time_zone"});
  EXPECT_EQ(db.Count("SELECT version FROM calendars WHERE plant = 'SZ1'"), 2) << "nothing written";
}

// One source for a plant's zone and calendar: complaints and notifications started with the same
// plants file place "3 working days" at the same instant (the plant's holiday tomorrow counted
// by both), and notifications refuses to let SetCalendar change what the file gives.
TEST(NotificationsEndToEnd, ComplaintsAndNotificationsPlaceDeadlinesWithTheSameCalendar) {
  TestDatabase notifications_db;
  TestDatabase complaints_db;
  const absl::TimeZone tokyo = [] {
    absl::TimeZone z;
    EXPECT_TRUE(absl::LoadTimeZone("Asia/Tokyo", &z));
    return z;
  }();
  const absl::CivilDay today(absl::ToCivilSecond(DbNow(notifications_db), tokyo));
  std::string week = R"({"week": [WEEK], "holidays": ["HOLIDAY"]})";
  std::string days;
  for (int d = 1; d <= 7; ++d) {
    absl::StrAppend(&days, d > 1 ? ", " : "", R"({"weekday": )", d,
                    R"(, "windows": [{"start": "09:00", "end": "12:00"},
                                     {"start": "13:00", "end": "18:00"}]})");
  }
  week.replace(week.find("WEEK"), 4, days);
  week.replace(week.find("HOLIDAY"), 7, absl::FormatCivilTime(today + 1));
  const std::string plants = plants_file::WritePlants(
      "plants",
      absl::StrCat(R"({"plants": [{"code": "ZZ1", "timeZone": "Asia/Tokyo", "calendar": )", week,
                   "}]}"));
  // The built-in policies: complaint.corrective_action is "3 working days".
  ServiceProcess notifications(kNotifications, notifications_db, {"--plants_file=" + plants});
  ServiceProcess complaints(
      kComplaints, complaints_db,
      {"--plants_file=" + plants, "--notifications_target=" + notifications.grpc_address()});
  cv1::Complaint complaint;
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    ASSERT_TRUE(StubOf<cv1::ComplaintService>(complaints)
                    ->CreateComplaint(&context, NewComplaint("ZZ1"), &complaint)
                    .ok());
  }
  const absl::Time recorded =
      absl::FromUnixSeconds(complaint.corrective_action_due_time().seconds()) +
      absl::Nanoseconds(complaint.corrective_action_due_time().nanos());
  // Today, then the holiday, then three working days: the third closes at 18:00 Tokyo.
  EXPECT_EQ(recorded, absl::FromCivil(absl::CivilSecond(today + 4) + 18 * 3600, tokyo));
  ASSERT_TRUE(Eventually(
      [&] {
        return notifications_db.Count(
                   "SELECT COUNT(*) FROM timers WHERE policy = 'complaint.corrective_action'") == 1;
      },
      absl::Seconds(20)));
  TimerCalls timers(notifications);
  v1::GetTimerRequest get;
  get.set_plant("ZZ1");
  get.set_subject(complaint.name());
  get.set_policy("complaint.corrective_action");
  const v1::Timer timer = timers.Call(&v1::TimerService::Stub::GetTimer, get);
  EXPECT_EQ(DueOf(timer, v1::BREACH), recorded) << "the complaint and its timer agree";

  v1::SetCalendarRequest set;
  set.mutable_calendar()->set_plant("ZZ1");
  set.mutable_calendar()->set_time_zone("Asia/Tokyo");
  auto* w = set.mutable_calendar()->add_week();
  w->set_weekday(1);
  auto* window = w->add_windows();
  window->set_start("08:00");
  window->set_end("17:00");
  grpc::ClientContext context;
  testing::Authorize(context);
  v1::Calendar stored;
  const grpc::Status refused =
      StubOf<v1::CalendarService>(notifications)->SetCalendar(&context, set, &stored);
  EXPECT_EQ(refused.error_code(), grpc::FAILED_PRECONDITION) << refused.error_message();
  EXPECT_NE(refused.error_message().find("plants file"), std::string::npos);
  EXPECT_EQ(notifications_db.Count("SELECT version FROM calendars WHERE plant = 'ZZ1'"), 1);
}

// The deployment's plants file (the Helm chart's ConfigMap): its calendars become the stored ones
// once, replicas and restarts with the same file change nothing, a changed file is a new version,
// a plant without a calendar works the default week in its own zone, and a calendar SetCalendar
// would refuse stops the service at start with the field named.
TEST(NotificationsEndToEnd, PlantsFileCalendarsAreStoredOnceAndFollowTheFile) {
  using namespace plants_file;
  TestDatabase db;
  const std::string first = WritePlants("plants", PlantsJson(R"("2026-11-23")"));
  {
    ServiceProcess a(kNotifications, db, {"--plants_file=" + first});
    ServiceProcess b(kNotifications, db, {"--plants_file=" + first});
    auto stub = StubOf<v1::CalendarService>(a);
    const v1::Calendar zz1 = Get(*stub, "ZZ1");
    EXPECT_FALSE(zz1.is_default());
    EXPECT_EQ(zz1.time_zone(), "Asia/Tokyo");
    EXPECT_EQ(zz1.week_size(), 2);
    ASSERT_EQ(zz1.holidays_size(), 1);
    EXPECT_EQ(zz1.holidays(0), "2026-11-23");
    EXPECT_EQ(zz1.etag(), "1") << "two replicas with one file store it once";
    const v1::Calendar pp2 = Get(*stub, "PP2");
    EXPECT_TRUE(pp2.is_default());
    EXPECT_EQ(pp2.time_zone(), "Europe/Berlin") << "the plant's zone, not --default_time_zone";
    const v1::Calendar elsewhere = Get(*stub, "QQ9");
    EXPECT_EQ(elsewhere.time_zone(), "UTC");
  }
  {
    ServiceProcess again(kNotifications, db, {"--plants_file=" + first});
    EXPECT_EQ(Get(*StubOf<v1::CalendarService>(again), "ZZ1").etag(), "1")
        << "a restart with the same file writes nothing";
  }
  {
    const std::string second = WritePlants("plants", PlantsJson(R"("2026-11-23", "2026-12-31")"));
    ServiceProcess changed(kNotifications, db, {"--plants_file=" + second});
    const v1::Calendar zz1 = Get(*StubOf<v1::CalendarService>(changed), "ZZ1");
    EXPECT_EQ(zz1.etag(), "2");
    EXPECT_EQ(zz1.holidays_size(), 2);
  }
  const std::string bad = WritePlants("plants-bad",
                                      R"({"plants": [{"code": "ZZ1", "timeZone": "Asia/Tokyo",
                      "calendar": {"week": [{"weekday": 9, "windows": []}]}}]})");
  const testing::CommandResult refused =
      testing::RunCommand(absl::StrCat(kNotifications, " --plants_file=", bad, " 2>&1"));
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("plants[0].calendar"), std::string::npos) << refused.output;
  EXPECT_NE(refused.output.find("weekday"), std::string::npos) << refused.output;
  ServiceProcess plain(kNotifications, db);
  EXPECT_EQ(Get(*StubOf<v1::CalendarService>(plain), "ZZ1").etag(), "2")
      << "a refused file writes nothing";
}

}  // namespace
}  // namespace qms::notifications
