// Fired stages reaching people and systems: webhooks signed and retried, e-mail to the
// subscriptions of each stage's roles and plant, and two replicas sharing the deliveries.
#include "tests/notifications/harness.h"

namespace qms::notifications {
namespace {

TEST(NotificationsEndToEnd, ComplaintTimersWarnBreachAndDeliver) {
  TestDatabase notifications_db;
  TestDatabase complaints_db;
  HttpListener hook;
  const std::string policies = PolicyFile();
  ServiceProcess notifications(kNotifications, notifications_db, NotificationFlags(policies));
  ServiceProcess complaints(kComplaints, complaints_db,
                            {"--notifications_target=" + notifications.grpc_address()});
  auto timers = StubOf<v1::TimerService>(notifications);
  auto deliveries = StubOf<v1::DeliveryService>(notifications);
  auto complaint_stub = StubOf<cv1::ComplaintService>(complaints);

  EXPECT_TRUE(SubscribeWebhook(*deliveries, "SZ1", hook.url()).webhook_secret().empty())
      << "secrets are never returned";
  Watcher board(*deliveries, "SZ1");
  Watcher other_plant(*deliveries, "BER");

  // A complaint arms two timers through the outbox relay.
  cv1::Complaint complaint;
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    cv1::CreateComplaintRequest r;
    r.set_parent("plants/SZ1");
    r.mutable_complaint()->set_customer("ACME");
    r.mutable_complaint()->set_part_number("PN-7");
    r.mutable_complaint()->set_defect_description("wrong colour");
    r.mutable_complaint()->set_channel(cv1::WRITTEN);
    ASSERT_TRUE(complaint_stub->CreateComplaint(&context, r, &complaint).ok());
  }
  grpc::Status status;
  ASSERT_TRUE(Eventually(
      [&] {
        GetTimer(*timers, complaint.name(), "complaint.containment", &status);
        const bool containment = status.ok();
        GetTimer(*timers, complaint.name(), "complaint.corrective_action", &status);
        return containment && status.ok();
      },
      absl::Seconds(10)))
      << "both timers armed: " << status.error_message();
  EXPECT_EQ(GetTimer(*timers, complaint.name(), "complaint.containment", &status).customer(),
            "ACME");

  // Triage and containment: the containment timer is disarmed, never breached.
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    cv1::TriageComplaintRequest r;
    r.set_name(complaint.name());
    r.mutable_triage()->set_responsible_department("Production");
    r.mutable_triage()->set_severity(cv1::MAJOR);
    r.mutable_triage()->mutable_problem()->set_what("scratches");
    auto* member = r.mutable_triage()->add_team();
    member->set_name("Li Si");
    member->set_department("Quality");
    ASSERT_TRUE(complaint_stub->TriageComplaint(&context, r, &complaint).ok());
  }
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    cv1::SubmitContainmentRequest r;
    r.set_name(complaint.name());
    auto* a = r.mutable_containment()->add_actions();
    a->set_description("sort stock");
    a->set_responsible_department("Production");
    a->set_owner("Zhang San");
    a->set_due_date(absl::FormatCivilTime(absl::ToCivilDay(absl::Now(), absl::UTCTimeZone()) + 7));
    r.mutable_containment()->set_quantity_sorted_at_site(480);
    grpc::Status s = complaint_stub->SubmitContainment(&context, r, &complaint);
    ASSERT_TRUE(s.ok()) << s.error_message();
  }
  v1::Timer containment;
  ASSERT_TRUE(Eventually(
      [&] {
        containment = GetTimer(*timers, complaint.name(), "complaint.containment", &status);
        return status.ok() && containment.state() == v1::DISARMED;
      },
      absl::Seconds(10)));
  for (const v1::Stage& s : containment.stages()) {
    EXPECT_EQ(s.state(), v1::CANCELLED) << "no containment stage fires once it is disarmed";
  }

  // Corrective action is left to run out: warning, breach, escalation, in that order.
  ASSERT_TRUE(Eventually(
      [&] { return HasKind(board.events(), v1::ESCALATION, "complaint.corrective_action"); },
      absl::Seconds(15)));
  std::vector<v1::StageKind> kinds;
  for (const v1::Event& e : board.events()) {
    EXPECT_EQ(e.subject(), complaint.name());
    EXPECT_NE(e.policy(), "complaint.containment");
    kinds.push_back(e.kind());
  }
  EXPECT_EQ(kinds, (std::vector<v1::StageKind>{v1::WARNING, v1::BREACH, v1::ESCALATION}));
  EXPECT_TRUE(other_plant.events().empty()) << "a board sees only its own plant";

  // The same three reach the webhook, signed.
  ASSERT_TRUE(
      hook.WaitFor([](const auto& requests) { return requests.size() >= 3; }, absl::Seconds(10)));
  std::set<std::string> delivered_kinds;
  for (const HttpRequest& r : hook.Requests()) {
    EXPECT_EQ(r.method, "POST");
    const std::string expected = absl::StrCat(
        "sha256=",
        HmacSha256Hex(kSecret, absl::StrCat(r.headers.at("x-qms-timestamp"), ".", r.body)));
    EXPECT_EQ(r.headers.at("x-qms-signature"), expected);
    const auto body = nlohmann::json::parse(r.body);
    EXPECT_EQ(body.at("subject"), complaint.name());
    EXPECT_EQ(std::to_string(body.at("event_id").get<int64_t>()), r.headers.at("x-qms-event-id"));
    delivered_kinds.insert(body.at("kind").get<std::string>());
  }
  EXPECT_EQ(delivered_kinds, (std::set<std::string>{"warning", "breach", "escalation"}));

  // The breach is on /metrics, and the containment response time was observed.
  auto metrics = testing::HttpGet(notifications.metrics_address(), "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(MetricSample(
                *metrics, "qms_timer_breaches_total",
                {"policy=\"complaint.corrective_action\"", "plant=\"SZ1\"", "customer=\"ACME\""}),
            1)
      << "breaches by plant and customer: the complaint's customer came with its timer";
  EXPECT_EQ(
      MetricSample(*metrics, "qms_timer_breaches_total", {"policy=\"complaint.containment\""}), -1);
  EXPECT_EQ(MetricSample(*metrics, "qms_timer_response_seconds_count",
                         {"policy=\"complaint.containment\""}),
            1);
  // The listener sees a request before the sender has recorded its answer: wait for the count.
  EXPECT_TRUE(Eventually(
      [&] {
        auto now = testing::HttpGet(notifications.metrics_address(), "/metrics");
        return now.ok() &&
               MetricSample(*now, "qms_deliveries_total", {"result=\"delivered\""}) == 3;
      },
      absl::Seconds(5)));
  auto complaint_metrics = testing::HttpGet(complaints.metrics_address(), "/metrics");
  ASSERT_TRUE(complaint_metrics.ok());
  EXPECT_EQ(MetricSample(*complaint_metrics, "qms_outbox_backlog", {}), 0);
}

TEST(NotificationsEndToEnd, EmailGoesToTheSubscriptionsOfTheStagesRolesAndPlant) {
  TestDatabase db;
  testing::SmtpListener smtp;
  std::vector<std::string> flags = NotificationFlags(PolicyFile());
  flags.push_back("--smtp_url=" + smtp.url());
  flags.push_back("--mail_from=qms@plant.example");
  ServiceProcess notifications(kNotifications, db, flags);
  auto timers = StubOf<v1::TimerService>(notifications);
  auto deliveries = StubOf<v1::DeliveryService>(notifications);
  const auto subscribe = [&](const std::string& plant, const std::string& role,
                             const std::string& email) {
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::CreateSubscriptionRequest r;
    r.mutable_subscription()->set_plant(plant);
    r.mutable_subscription()->add_roles(role);
    r.mutable_subscription()->set_email(email);
    v1::Subscription s;
    ASSERT_TRUE(deliveries->CreateSubscription(&context, r, &s).ok());
  };
  subscribe("SZ1", "general_manager", "gm@sz1.example");
  subscribe("BER", "general_manager", "gm@ber.example");  // another plant
  subscribe("SZ1", "warehouse", "store@sz1.example");     // a role no stage here names
  const auto arm = [&](const std::string& subject, const std::string& policy, absl::Time start) {
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::ArmTimerRequest r;
    r.set_plant("SZ1");
    r.set_subject(subject);
    r.set_policy(policy);
    r.mutable_start_time()->set_seconds(absl::ToUnixSeconds(start));
    v1::Timer t;
    ASSERT_TRUE(timers->ArmTimer(&context, r, &t).ok());
  };
  // Serious escalation (general_manager) fires at once; test.once (quality) fires too but has no
  // subscriber here.
  arm("plants/SZ1/complaints/SZ1-2026-00077", "complaint.serious", absl::Now());
  arm("plants/SZ1/things/x", "test.once", absl::Now() - absl::Seconds(10));
  ASSERT_TRUE(smtp.WaitForMessages(1, absl::Seconds(10)));
  ASSERT_TRUE(
      Eventually([&] { return db.Count("SELECT COUNT(*) FROM firings") == 2; }, absl::Seconds(5)));
  ASSERT_TRUE(notifications.AwaitLoopPasses("deliveries")) << "the deliverer looked again";
  const std::vector<testing::MailMessage> mail = smtp.Messages();
  ASSERT_EQ(mail.size(), 1u);
  EXPECT_EQ(mail[0].from, "<qms@plant.example>");
  EXPECT_EQ(mail[0].to, std::vector<std::string>{"<gm@sz1.example>"});
  EXPECT_NE(mail[0].data.find("Subject: [QMS SZ1] breach complaint.serious escalation for "
                              "plants/SZ1/complaints/SZ1-2026-00077"),
            std::string::npos)
      << mail[0].data;
  EXPECT_NE(mail[0].data.find("X-QMS-Event-Id: "), std::string::npos);
  const std::string json = mail[0].data.substr(mail[0].data.find("\r\n\r\n") + 4);
  EXPECT_EQ(nlohmann::json::parse(json).at("subject"), "plants/SZ1/complaints/SZ1-2026-00077");
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM deliveries WHERE state = 2"), 1);
}

// Two replicas share deliveries to a slow receiver (400 ms an answer, 8 events: 3.2 s for one
// worker's batch) with a lease set to 1 s: the lease covers the worker's whole batch, so the
// other replica never re-claims rows a live worker has yet to send. Every event arrives exactly
// once, after one attempt each, and every row ends delivered.
TEST(NotificationsEndToEnd, TwoReplicasDeliverEachEventOnceToASlowReceiver) {
  TestDatabase db;
  HttpListener hook;
  hook.SetDelay(absl::Milliseconds(400));
  std::vector<std::string> flags = NotificationFlags(PolicyFile());
  flags.push_back("--delivery_lease=1s");
  flags.push_back("--delivery_timeout=2s");
  ServiceProcess a(kNotifications, db, flags);
  ServiceProcess b(kNotifications, db, flags);
  SubscribeWebhook(*StubOf<v1::DeliveryService>(a), "*", hook.url());
  auto timers = StubOf<v1::TimerService>(a);
  constexpr int kEvents = 8;
  for (int i = 0; i < kEvents; ++i) {
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::ArmTimerRequest r;
    r.set_plant("SZ1");
    r.set_subject(absl::StrCat("plants/SZ1/complaints/SZ1-0-", i));
    r.set_policy("complaint.serious");  // fires at once
    v1::Timer t;
    ASSERT_TRUE(timers->ArmTimer(&context, r, &t).ok());
  }
  ASSERT_TRUE(Eventually(
      [&] { return db.Count("SELECT COUNT(*) FROM deliveries WHERE state = 2") == kEvents; },
      absl::Seconds(30)));
  std::set<std::string> ids;
  for (const auto& request : hook.Requests()) ids.insert(request.headers.at("x-qms-event-id"));
  EXPECT_EQ(ids.size(), static_cast<size_t>(kEvents));
  EXPECT_EQ(hook.Requests().size(), static_cast<size_t>(kEvents)) << "none sent twice";
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM deliveries WHERE attempts <> 1"), 0);
}

TEST(NotificationsEndToEnd, FailingWebhookIsRetriedThenDead) {
  TestDatabase db;
  HttpListener hook;
  hook.SetStatus(503);
  ServiceProcess notifications(kNotifications, db, NotificationFlags(PolicyFile()));
  auto timers = StubOf<v1::TimerService>(notifications);
  auto deliveries = StubOf<v1::DeliveryService>(notifications);
  SubscribeWebhook(*deliveries, "*", hook.url());
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::ArmTimerRequest r;
    r.set_plant("SZ1");
    r.set_subject("plants/SZ1/complaints/SZ1-2026-0009");
    r.set_policy("complaint.serious");
    v1::Timer t;
    ASSERT_TRUE(timers->ArmTimer(&context, r, &t).ok());
  }
  // Three attempts (max_attempts), then dead and visible in the API and the metrics.
  ASSERT_TRUE(hook.WaitFor([](const auto& r) { return r.size() >= 3; }, absl::Seconds(10)));
  v1::ListDeliveriesResponse list;
  ASSERT_TRUE(Eventually(
      [&] {
        grpc::ClientContext context;
        testing::Authorize(context);
        v1::ListDeliveriesRequest r;
        r.set_state(v1::DEAD);
        list.Clear();
        return deliveries->ListDeliveries(&context, r, &list).ok() && list.deliveries_size() == 1;
      },
      absl::Seconds(10)));
  EXPECT_EQ(list.deliveries(0).attempts(), 3);
  EXPECT_NE(list.deliveries(0).last_error().find("503"), std::string::npos);
  ASSERT_TRUE(notifications.AwaitLoopPasses("deliveries")) << "the deliverer looked again";
  EXPECT_EQ(hook.Requests().size(), 3u) << "no attempt after dead";
  auto metrics = testing::HttpGet(notifications.metrics_address(), "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(MetricSample(*metrics, "qms_deliveries_total", {"result=\"retry\""}), 2);
  EXPECT_EQ(MetricSample(*metrics, "qms_deliveries_total", {"result=\"dead\""}), 1);
}

}  // namespace
}  // namespace qms::notifications
