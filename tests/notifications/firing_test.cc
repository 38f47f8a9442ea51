// The engine across replicas and crashes: every stage fires exactly once, a kill -9 loses and
// repeats nothing, and the outbox relay brings every arm across.
#include "tests/notifications/harness.h"

namespace qms::notifications {
namespace {

TEST(NotificationsEndToEnd, TwoReplicasFireEachStageExactlyOnce) {
  TestDatabase db;
  const std::string policies = PolicyFile();
  ServiceProcess a(kNotifications, db, NotificationFlags(policies));
  ServiceProcess b(kNotifications, db, NotificationFlags(policies));
  auto stub_a = StubOf<v1::TimerService>(a);
  auto stub_b = StubOf<v1::TimerService>(b);
  const absl::Time start = absl::Now() + absl::Seconds(2);
  // Half armed through each replica; all 1,000 fall due at the same instant.
  std::thread other([&] { ArmMany(*stub_b, 500, start, "b"); });
  ArmMany(*stub_a, 500, start, "a");
  other.join();
  ASSERT_TRUE(Eventually([&] { return db.Count("SELECT COUNT(*) FROM firings") >= 1000; },
                         absl::Seconds(30)));
  ASSERT_TRUE(Eventually([&] { return FiredOn(a) + FiredOn(b) >= 1000; }, absl::Seconds(5)));
  ASSERT_TRUE(a.AwaitLoopPasses("engine") && b.AwaitLoopPasses("engine")) << "both looked again";
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM firings"), 1000);
  EXPECT_EQ(db.Count("SELECT COUNT(DISTINCT timer_id, stage_index) FROM firings"), 1000);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM timer_stages WHERE state = 1"), 0);
  EXPECT_EQ(FiredOn(a) + FiredOn(b), 1000) << "each replica counts only what it committed";
}

TEST(NotificationsEndToEnd, KillNineWhileStagesAreDueLosesAndRepeatsNothing) {
  TestDatabase db;
  const std::string policies = PolicyFile();
  auto replica = std::make_unique<ServiceProcess>(kNotifications, db, NotificationFlags(policies));
  auto stub = StubOf<v1::TimerService>(*replica);
  const absl::Time start = absl::Now() - absl::Seconds(2);  // due one second from now
  ArmMany(*stub, 600, start, "k");
  // Kill it as the stages fall due, mid-firing at best.
  while (absl::Now() < start + absl::Seconds(3)) absl::SleepFor(absl::Milliseconds(5));
  replica->Signal(SIGKILL);
  replica->Wait(absl::Seconds(5));
  replica.reset();
  // The server has finished (or rolled back) what the dead connections had sent once they are gone.
  ASSERT_TRUE(Eventually(
      [&] {
        return db.Count("SELECT COUNT(*) FROM information_schema.PROCESSLIST WHERE USER = '" +
                        db.options().user + "'") == 0;
      },
      absl::Seconds(20)));
  const int64_t before = db.Count("SELECT COUNT(*) FROM firings");
  ServiceProcess restarted(kNotifications, db, NotificationFlags(policies));
  ASSERT_TRUE(Eventually([&] { return db.Count("SELECT COUNT(*) FROM firings") >= 600; },
                         absl::Seconds(20)))
      << "fired before the kill: " << before;
  ASSERT_TRUE(restarted.AwaitLoopPasses("engine")) << "the restart looked again";
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM firings"), 600);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM timer_stages WHERE state = 2"), 600);
  EXPECT_EQ(FiredOn(restarted), 600 - before) << "the restart fired exactly what was left";
}

// The relay sends consecutive arms as one BatchArmTimers; one arm the service refuses for good
// (a due time before its start) makes it resend that batch one by one, so only that arm is set
// aside: kept in outbox_dead, counted in qms_outbox_dead, never silently dropped.
TEST(NotificationsEndToEnd, KillNineOfComplaintsWithAFullOutboxDeliversEveryArmOnce) {
  TestDatabase notifications_db;
  TestDatabase complaints_db;
  const std::string policies = PolicyFile();
  // Complaints starts while notifications is not there yet: its outbox fills.
  auto complaints = std::make_unique<ServiceProcess>(
      kComplaints, complaints_db, std::vector<std::string>{"--notifications_target=127.0.0.1:1"});
  auto stub = StubOf<cv1::ComplaintService>(*complaints);
  constexpr int kComplaintsCount = 40;
  for (int i = 0; i < kComplaintsCount; ++i) {
    grpc::ClientContext context;
    testing::Authorize(context);
    cv1::CreateComplaintRequest r;
    r.set_parent("plants/SZ1");
    r.set_request_id(absl::StrCat("req-", i));
    r.mutable_complaint()->set_customer(absl::StrCat("C", i));
    r.mutable_complaint()->set_part_number(absl::StrCat("PN-", i));
    r.mutable_complaint()->set_defect_description("burr");
    r.mutable_complaint()->set_channel(cv1::WRITTEN);
    cv1::Complaint c;
    ASSERT_TRUE(stub->CreateComplaint(&context, r, &c).ok());
  }
  EXPECT_EQ(complaints_db.Count("SELECT COUNT(*) FROM outbox"), 2 * kComplaintsCount);
  complaints->Signal(SIGKILL);
  complaints->Wait(absl::Seconds(5));
  complaints.reset();
  complaints_db.Execute(
      "UPDATE outbox SET due_time = start_time - INTERVAL 1 DAY WHERE id = (SELECT id FROM "
      "(SELECT id FROM outbox WHERE policy = 'complaint.corrective_action' ORDER BY id LIMIT 1 "
      "OFFSET 9) x)");
  const int64_t bad_id = complaints_db.Count("SELECT id FROM outbox WHERE due_time < start_time");

  ServiceProcess notifications(kNotifications, notifications_db, NotificationFlags(policies));
  ServiceProcess restarted(kComplaints, complaints_db,
                           {"--notifications_target=" + notifications.grpc_address()});
  ASSERT_TRUE(Eventually([&] { return complaints_db.Count("SELECT COUNT(*) FROM outbox") == 0; },
                         absl::Seconds(20)));
  EXPECT_EQ(notifications_db.Count("SELECT COUNT(*) FROM timers WHERE state IN (1, 3)"),
            2 * kComplaintsCount - 1);
  EXPECT_EQ(notifications_db.Count(
                "SELECT COUNT(*) FROM timers WHERE policy = 'complaint.corrective_action'"),
            kComplaintsCount - 1);
  // The relay counts a pass after its transaction commits, and the outbox can be seen empty in
  // between: wait for the counters of the pass that emptied it.
  absl::StatusOr<std::string> metrics;
  EXPECT_TRUE(Eventually([&] {
    metrics = testing::HttpGet(restarted.metrics_address(), "/metrics");
    return metrics.ok() &&
           MetricSample(*metrics, "qms_outbox_relayed_total", {"result=\"delivered\""}) ==
               2 * kComplaintsCount - 1 &&
           MetricSample(*metrics, "qms_outbox_dead", {}) == 1;
  }));
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(MetricSample(*metrics, "qms_outbox_relayed_total", {"result=\"rejected\""}), 1);
  EXPECT_EQ(MetricSample(*metrics, "qms_outbox_dead", {}), 1);
  EXPECT_EQ(complaints_db.Count(absl::StrCat(
                "SELECT COUNT(*) FROM outbox_dead WHERE id = ", bad_id,
                " AND policy = 'complaint.corrective_action' AND error LIKE '%due_time%'")),
            1)
      << "the refused arm is kept, with the receiver's reason";
  EXPECT_EQ(MetricSample(*metrics, "qms_outbox_relayed_total", {"result=\"delivered\""}),
            2 * kComplaintsCount - 1);
}

// A well-formed request for a policy this deployment does not configure is not malformed: it is
// FAILED_PRECONDITION (configuration can cure it), which the callers' relays retry with backoff.
// Complaints deployed before notifications learns its policies loses no timer: the arm waits in
// the outbox and is delivered once notifications knows the policy.
TEST(NotificationsEndToEnd, AnUnconfiguredPolicyIsRetriedUntilItIsConfigured) {
  TestDatabase notifications_db;
  TestDatabase complaints_db;
  const std::string partial = absl::StrCat(::testing::TempDir(), "/partial-", getpid(), ".json");
  std::ofstream(partial) << R"({"policies": [
    {"name": "complaint.containment", "deadlines": [{"name": "containment", "duration": "60s"}]}]})";
  auto notifications = std::make_unique<ServiceProcess>(kNotifications, notifications_db,
                                                        NotificationFlags(partial));
  {
    auto timers = StubOf<v1::TimerService>(*notifications);
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::ArmTimerRequest r;
    r.set_plant("SZ1");
    r.set_subject("plants/SZ1/complaints/X");
    r.set_policy("complaint.corrective_action");
    v1::Timer t;
    const grpc::Status s = timers->ArmTimer(&context, r, &t);
    EXPECT_EQ(s.error_code(), grpc::FAILED_PRECONDITION) << s.error_message();
    EXPECT_NE(s.error_message().find("not a configured policy"), std::string::npos);
  }
  const std::string port =
      notifications->grpc_address().substr(notifications->grpc_address().rfind(':') + 1);
  ServiceProcess complaints(kComplaints, complaints_db,
                            {"--notifications_target=" + notifications->grpc_address()});
  auto stub = StubOf<cv1::ComplaintService>(complaints);
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    cv1::Complaint c;
    ASSERT_TRUE(stub->CreateComplaint(&context, NewComplaint("SZ1"), &c).ok());
  }
  // The containment arm goes through; the corrective-action arm is retried, not dropped.
  ASSERT_TRUE(Eventually(
      [&] {
        return complaints_db.Count(
                   "SELECT COUNT(*) FROM outbox WHERE policy = 'complaint.corrective_action' "
                   "AND attempts >= 2") == 1;
      },
      absl::Seconds(20)));
  EXPECT_EQ(complaints_db.Count("SELECT COUNT(*) FROM outbox"), 1);
  EXPECT_EQ(complaints_db.Count("SELECT COUNT(*) FROM outbox_dead"), 0);
  EXPECT_EQ(notifications_db.Count("SELECT COUNT(*) FROM timers WHERE state = 1"), 1);

  // The policy is configured (notifications restarted with the full file, on the same port).
  notifications.reset();
  std::vector<std::string> flags = NotificationFlags(PolicyFile());
  flags.push_back("--listen=127.0.0.1:" + port);
  ServiceProcess configured(kNotifications, notifications_db, flags);
  ASSERT_TRUE(Eventually([&] { return complaints_db.Count("SELECT COUNT(*) FROM outbox") == 0; },
                         absl::Seconds(40)));
  EXPECT_EQ(complaints_db.Count("SELECT COUNT(*) FROM outbox_dead"), 0);
  EXPECT_EQ(notifications_db.Count(
                "SELECT COUNT(*) FROM timers WHERE policy = 'complaint.corrective_action' AND "
                "state = 1"),
            1);
}

}  // namespace
}  // namespace qms::notifications
