// The TimerService over the wire: bad requests name the field, pause and resume, batch arms, lists
// and the open-timer metrics.
#include "tests/notifications/harness.h"

namespace qms::notifications {
namespace {

TEST(NotificationsEndToEnd, BadRequestsNameTheField) {
  TestDatabase db;
  ServiceProcess notifications(kNotifications, db, NotificationFlags(PolicyFile()));
  auto timers = StubOf<v1::TimerService>(notifications);
  const auto arm = [&](const std::string& plant) {
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::ArmTimerRequest r;
    r.set_plant(plant);
    r.set_subject(std::string(300, 'x'));
    r.set_policy("no.such.policy");
    v1::Timer t;
    return timers->ArmTimer(&context, r, &t);
  };
  // The plant is checked first (it decides who may ask); then every other field is named.
  grpc::Status s = arm("sz 1");
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("plant"), std::string::npos);
  s = arm("SZ1");
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(testing::ViolatedFields(s), std::vector<std::string>{"subject"});
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM timers"), 0) << "nothing written";
}

// A paused timer holds its stages: none fires and the timer is not overdue while its old due
// time passes; on resume a deadline in calendar hours moves by the wall time paused.
TEST(NotificationsEndToEnd, APausedTimerHoldsItsStagesAndIsNotOverdue) {
  TestDatabase db;
  ServiceProcess notifications(kNotifications, db, ShanghaiFlags());
  TimerCalls timers(notifications);
  const v1::Timer armed = timers.Arm("plants/SZ1/samples/S-1", "test.held");
  // The pause and the resume happen somewhere between the database times read around them.
  const absl::Time pause_after = DbNow(db);
  EXPECT_EQ(timers.Pause(armed).state(), v1::PAUSED);
  const absl::Time pause_before = DbNow(db);
  const absl::Time old_due = DueOf(armed, v1::BREACH);
  ASSERT_TRUE(
      Eventually([&] { return DbNow(db) > old_due + absl::Milliseconds(300); }, absl::Seconds(10)));
  const v1::Timer held = timers.Get(armed);
  EXPECT_FALSE(held.overdue()) << "a held stage is not overdue";
  EXPECT_EQ(StateOf(held, v1::BREACH), v1::HELD);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM firings"), 0);
  const absl::Time resume_after = DbNow(db);
  const v1::Timer resumed = timers.Resume(armed);
  const absl::Time resume_before = DbNow(db);
  EXPECT_EQ(resumed.state(), v1::ARMED);
  // Moved by the wall time paused, which lies between these bounds.
  const absl::Duration moved = DueOf(resumed, v1::BREACH) - old_due;
  EXPECT_GE(moved, resume_after - pause_before);
  EXPECT_LE(moved, resume_before - pause_after);
}

// A deadline in working hours moves by the working time that passed while paused: nothing for a
// pause outside the plant's windows, the pause itself for one inside.
TEST(NotificationsEndToEnd, APauseMovesAWorkingTimeDeadlineByTheWorkingTimePaused) {
  TestDatabase db;
  ServiceProcess notifications(kNotifications, db, ShanghaiFlags());
  auto calendars = StubOf<v1::CalendarService>(notifications);
  TimerCalls timers(notifications);
  const absl::CivilSecond local = absl::ToCivilSecond(DbNow(db), Shanghai());
  const int minute = local.hour() * 60 + local.minute();

  // Outside working time: the only window opens two hours from now (or closed two hours ago).
  const int off_start = minute + 120 + 60 <= 1440 ? minute + 120 : minute - 180;
  ASSERT_TRUE(SetEveryDay(*calendars, {{off_start, off_start + 60}}).ok());
  const v1::Timer night = timers.Arm("plants/SZ1/samples/S-night", "test.working_hours");
  const v1::Timer night_paused = timers.Pause(night);
  absl::SleepFor(absl::Milliseconds(1200));  // the pause to be measured, not a wait for an event
  const v1::Timer night_resumed = timers.Resume(night);
  EXPECT_EQ(DueOf(night_resumed, v1::BREACH), DueOf(night, v1::BREACH))
      << "no working time passed during the pause";

  // Inside working time: the window holds the next half hour at least.
  const int in_start = std::max(0, std::min(minute - 60, 1440 - 120));
  ASSERT_TRUE(SetEveryDay(*calendars, {{in_start, in_start + 120}}).ok());
  const v1::Timer day = timers.Arm("plants/SZ1/samples/S-day", "test.working_hours");
  const absl::Time paused_at = DbNow(db);
  timers.Pause(day);
  absl::SleepFor(absl::Milliseconds(1200));  // the pause to be measured
  const v1::Timer day_resumed = timers.Resume(day);
  const absl::Duration held = DbNow(db) - paused_at;
  const absl::Duration moved = DueOf(day_resumed, v1::BREACH) - DueOf(day, v1::BREACH);
  EXPECT_GE(moved, absl::Seconds(1));
  EXPECT_LE(moved, held) << "moved by the working time paused";
  EXPECT_EQ(night_paused.state(), v1::PAUSED);
}

TEST(NotificationsEndToEnd, BatchArmIsIdempotentAndAllOrNothing) {
  TestDatabase db;
  ServiceProcess notifications(kNotifications, db, NotificationFlags(PolicyFile()));
  auto timers = StubOf<v1::TimerService>(notifications);
  const auto request = [](const std::string& subject) {
    v1::ArmTimerRequest r;
    r.set_plant("SZ1");
    r.set_subject(subject);
    r.set_policy("complaint.containment");
    return r;
  };
  {  // one armed before, one disarmed before it was ever armed (a tombstone)
    grpc::ClientContext c1;
    testing::Authorize(c1);
    v1::Timer t;
    ASSERT_TRUE(timers->ArmTimer(&c1, request("plants/SZ1/x/armed"), &t).ok());
    grpc::ClientContext c2;
    testing::Authorize(c2);
    v1::DisarmTimerRequest d;
    d.set_plant("SZ1");
    d.set_subject("plants/SZ1/x/tombstone");
    d.set_policy("complaint.containment");
    ASSERT_TRUE(timers->DisarmTimer(&c2, d, &t).ok());
  }
  v1::BatchArmTimersRequest batch;
  for (int i = 0; i < 250; ++i) *batch.add_requests() = request(absl::StrCat("plants/SZ1/x/", i));
  *batch.add_requests() = request("plants/SZ1/x/armed");
  *batch.add_requests() = request("plants/SZ1/x/tombstone");
  *batch.add_requests() = request("plants/SZ1/x/7");  // twice in one batch
  v1::BatchArmTimersResponse response;
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    grpc::Status s = timers->BatchArmTimers(&context, batch, &response);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  EXPECT_EQ(response.armed(), 250);
  EXPECT_EQ(response.existing(), 3);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM timers WHERE state = 1"), 251);
  // 250 new timers with warning + breach each, plus the one armed singly.
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM timer_stages WHERE state = 1"), 251 * 2);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM timers WHERE subject = 'plants/SZ1/x/tombstone' "
                     "AND state = 3"),
            1)
      << "a disarm that came first wins";
  {  // again: nothing new
    grpc::ClientContext context;
    testing::Authorize(context);
    ASSERT_TRUE(timers->BatchArmTimers(&context, batch, &response).ok());
    EXPECT_EQ(response.armed(), 0);
    EXPECT_EQ(response.existing(), 253);
  }
  // One bad request fails the whole batch, naming it; nothing is written. A policy not
  // configured here is FAILED_PRECONDITION (configuration can cure it), a malformed request
  // INVALID_ARGUMENT.
  v1::BatchArmTimersRequest bad;
  *bad.add_requests() = request("plants/SZ1/y/1");
  *bad.add_requests() = request("plants/SZ1/y/2");
  bad.mutable_requests(1)->set_policy("no.such");
  grpc::Status s;
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    s = timers->BatchArmTimers(&context, bad, &response);
  }
  EXPECT_EQ(s.error_code(), grpc::FAILED_PRECONDITION);
  EXPECT_NE(s.error_message().find("requests[1].policy"), std::string::npos) << s.error_message();
  bad.mutable_requests(1)->set_policy(std::string(65, 'p'));
  grpc::ClientContext context;
  testing::Authorize(context);
  s = timers->BatchArmTimers(&context, bad, &response);
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_EQ(testing::ViolatedFields(s), std::vector<std::string>{"requests[1].policy"});
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM timers WHERE subject LIKE 'plants/SZ1/y/%'"), 0);
}

TEST(NotificationsEndToEnd, ListTimersFiltersAndPagesAndMetricsCountOpenTimers) {
  TestDatabase db;
  ServiceProcess notifications(kNotifications, db, NotificationFlags(PolicyFile()));
  auto timers = StubOf<v1::TimerService>(notifications);
  const auto arm = [&](const std::string& plant, const std::string& subject,
                       const std::string& policy, absl::Time start) {
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::ArmTimerRequest r;
    r.set_plant(plant);
    r.set_subject(subject);
    r.set_policy(policy);
    r.mutable_start_time()->set_seconds(absl::ToUnixSeconds(start));
    v1::Timer t;
    ASSERT_TRUE(timers->ArmTimer(&context, r, &t).ok());
  };
  // Five open in SZ1 (two of them long overdue), one in BER.
  for (int i = 0; i < 3; ++i) {
    arm("SZ1", absl::StrCat("plants/SZ1/c/", i), "complaint.containment", absl::Now());
  }
  arm("SZ1", "plants/SZ1/late/1", "test.once", absl::Now() - absl::Hours(1));
  arm("SZ1", "plants/SZ1/late/2", "test.once", absl::Now() - absl::Hours(1));
  arm("BER", "plants/BER/c/1", "complaint.containment", absl::Now());
  const auto list = [&](v1::ListTimersRequest r) {
    std::vector<std::string> subjects;
    for (;;) {
      grpc::ClientContext context;
      testing::Authorize(context);
      v1::ListTimersResponse page;
      grpc::Status s = timers->ListTimers(&context, r, &page);
      EXPECT_TRUE(s.ok()) << s.error_message();
      for (const v1::Timer& t : page.timers()) subjects.push_back(t.subject());
      if (!s.ok() || page.next_page_token().empty()) return subjects;
      r.set_page_token(page.next_page_token());
    }
  };
  v1::ListTimersRequest all;
  all.set_plant("SZ1");
  all.set_page_size(2);
  EXPECT_EQ(list(all).size(), 5u) << "three pages of two, one plant only";
  v1::ListTimersRequest overdue;
  overdue.set_plant("SZ1");
  overdue.set_overdue_only(true);
  EXPECT_TRUE(Eventually([&] { return list(overdue).size() == 2u; }, absl::Seconds(5)));
  v1::ListTimersRequest by_policy = all;
  by_policy.set_policy("complaint.containment");
  EXPECT_EQ(list(by_policy).size(), 3u);
  v1::ListTimersRequest bad = all;
  bad.set_page_token("garbage");
  grpc::ClientContext context;
  testing::Authorize(context);
  v1::ListTimersResponse page;
  EXPECT_EQ(timers->ListTimers(&context, bad, &page).error_code(), grpc::INVALID_ARGUMENT);

  // The gauge counts open timers per plant and policy; the lag histogram saw both breaches.
  std::string metrics;
  EXPECT_TRUE(Eventually(
      [&] {
        auto m = testing::HttpGet(notifications.metrics_address(), "/metrics");
        metrics = m.ok() ? *m : "";
        // One refresh of the gauge may come between the SZ1 arms and the BER one: wait for both.
        return MetricSample(metrics, "qms_timers_open",
                            {"plant=\"SZ1\"", "policy=\"complaint.containment\""}) == 3 &&
               MetricSample(metrics, "qms_timers_open", {"plant=\"BER\""}) == 1 &&
               MetricSample(metrics, "qms_timer_fire_lag_seconds_count", {}) == 2;
      },
      absl::Seconds(5)))
      << metrics;
}

}  // namespace
}  // namespace qms::notifications
