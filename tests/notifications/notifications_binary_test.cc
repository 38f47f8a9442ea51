// The notification service as deployed: real binaries (complaints and notifications, one or two
// replicas) over loopback gRPC, on a real MariaDB, delivering to a real HTTP listener, with
// policies shortened to seconds by a test policy file.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/sha256.h"
#include "qms/complaints/v1/complaints.grpc.pb.h"
#include "qms/notifications/v1/notifications.grpc.pb.h"
#include "tests/support/eventually.h"
#include "tests/support/http_listener.h"
#include "tests/support/rich_error.h"
#include "tests/support/service_process.h"
#include "tests/support/smtp_listener.h"
#include "tests/support/test_database.h"
#include "tests/support/tokens.h"

namespace qms::notifications {
namespace {

using testing::Eventually;
using testing::HttpListener;
using testing::HttpRequest;
using testing::MetricSample;
using testing::ServiceProcess;
using testing::TestDatabase;
namespace cv1 = qms::complaints::v1;

constexpr char kNotifications[] = QMS_BINARY_DIR "/services/notifications/notifications";
constexpr char kComplaints[] = QMS_BINARY_DIR "/services/complaints/complaints";
constexpr char kSecret[] = "webhook-test-secret";

// Containment is long enough never to breach in a test; corrective action warns after 1 s,
// breaches after 2 s and escalates 1 s later.
std::string PolicyFile() {
  const std::string path = absl::StrCat(::testing::TempDir(), "/policies-", getpid(), "-",
                                        absl::ToUnixNanos(absl::Now()), ".json");
  std::ofstream(path) << R"({"policies": [
    {"name": "complaint.containment", "deadlines": [{"name": "containment", "duration": "60s",
      "warn_at_percent": 90, "roles": ["quality"]}]},
    {"name": "complaint.corrective_action", "deadlines": [{"name": "corrective_action",
      "duration": "2s", "warn_at_percent": 50, "roles": ["quality"],
      "escalations": [{"after": "1s", "roles": ["general_manager"]}]}]},
    {"name": "complaint.verification", "deadlines": [{"name": "verification", "duration": "60s"}]},
    {"name": "complaint.serious", "deadlines": [{"name": "escalation", "duration": "0s",
      "roles": ["general_manager"]}]},
    {"name": "audit.2485", "deadlines": [{"name": "countermeasure", "duration": "60s"},
      {"name": "analysis", "duration": "120s"}, {"name": "closure", "duration": "300s"}]},
    {"name": "test.once", "deadlines": [{"name": "due", "duration": "3s", "roles": ["quality"]}]},
    {"name": "test.working", "deadlines": [{"name": "due", "duration": "3 working days"}]},
    {"name": "test.held", "deadlines": [{"name": "due", "duration": "2s"}]},
    {"name": "test.working_hours", "deadlines": [{"name": "due", "duration": "2 working hours"}]}
  ]})";
  return path;
}

// A minimal valid complaint for `plant`, received now.
cv1::CreateComplaintRequest NewComplaint(const std::string& plant) {
  cv1::CreateComplaintRequest r;
  r.set_parent("plants/" + plant);
  r.mutable_complaint()->set_customer("ACME");
  r.mutable_complaint()->set_part_number("PN-1");
  r.mutable_complaint()->set_defect_description("burr");
  r.mutable_complaint()->set_channel(cv1::WRITTEN);
  return r;
}

// Subscribes `url` to the fired stages of `plant` ("*": every plant) with the test secret; the
// stored subscription as answered.
v1::Subscription SubscribeWebhook(v1::DeliveryService::Stub& deliveries, const std::string& plant,
                                  const std::string& url) {
  grpc::ClientContext context;
  testing::Authorize(context);
  v1::CreateSubscriptionRequest r;
  r.mutable_subscription()->set_plant(plant);
  r.mutable_subscription()->set_webhook_url(url);
  r.mutable_subscription()->set_webhook_secret(kSecret);
  v1::Subscription s;
  const grpc::Status status = deliveries.CreateSubscription(&context, r, &s);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return s;
}

std::vector<std::string> NotificationFlags(const std::string& policies) {
  return {"--policies_files=" + policies, "--engine_poll_interval=200ms",
          "--open_timers_refresh=200ms", "--delivery_first_backoff=100ms",
          "--delivery_max_attempts=3"};
}

template <typename Service>
std::unique_ptr<typename Service::Stub> StubOf(const ServiceProcess& p) {
  return Service::NewStub(
      grpc::CreateChannel(p.grpc_address(), grpc::InsecureChannelCredentials()));
}

v1::Timer GetTimer(v1::TimerService::Stub& stub, const std::string& subject,
                   const std::string& policy, grpc::Status* status) {
  grpc::ClientContext context;
  testing::Authorize(context);
  v1::GetTimerRequest r;
  r.set_plant("SZ1");
  r.set_subject(subject);
  r.set_policy(policy);
  v1::Timer t;
  *status = stub.GetTimer(&context, r, &t);
  return t;
}

// Collects the events a WatchEvents stream sends until destroyed.
class Watcher {
 public:
  Watcher(v1::DeliveryService::Stub& stub, const std::string& plant) {
    v1::WatchEventsRequest r;
    r.set_plant(plant);
    testing::Authorize(context_);
    reader_ = stub.WatchEvents(&context_, r);
    thread_ = std::thread([this] {
      v1::Event e;
      while (reader_->Read(&e)) {
        absl::MutexLock lock(&mu_);
        events_.push_back(e);
      }
    });
  }
  ~Watcher() {
    context_.TryCancel();
    thread_.join();
  }
  std::vector<v1::Event> events() {
    absl::MutexLock lock(&mu_);
    return events_;
  }

 private:
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::Event>> reader_;
  absl::Mutex mu_;
  std::vector<v1::Event> events_;
  std::thread thread_;
};

bool HasKind(const std::vector<v1::Event>& events, v1::StageKind kind, const std::string& policy) {
  for (const auto& e : events) {
    if (e.kind() == kind && e.policy() == policy) return true;
  }
  return false;
}

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

// Arms `count` timers of test.once (due 3 s after one common start) through `stub`.
void ArmMany(v1::TimerService::Stub& stub, int count, absl::Time start, const std::string& tag) {
  std::vector<std::thread> threads;
  for (int w = 0; w < 8; ++w) {
    threads.emplace_back([&, w] {
      for (int i = w; i < count; i += 8) {
        grpc::ClientContext context;
        testing::Authorize(context);
        v1::ArmTimerRequest r;
        r.set_plant("SZ1");
        r.set_subject(absl::StrCat("plants/SZ1/things/", tag, "-", i));
        r.set_policy("test.once");
        r.mutable_start_time()->set_seconds(absl::ToUnixSeconds(start));
        v1::Timer t;
        grpc::Status s = stub.ArmTimer(&context, r, &t);
        ASSERT_TRUE(s.ok()) << s.error_message();
      }
    });
  }
  for (auto& t : threads) t.join();
}

double FiredOn(const ServiceProcess& p) {
  auto metrics = testing::HttpGet(p.metrics_address(), "/metrics");
  if (!metrics.ok()) return -1;
  return std::max(0.0, MetricSample(*metrics, "qms_timer_stages_fired_total", {}));
}

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
  const auto metrics = testing::HttpGet(restarted.metrics_address(), "/metrics");
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

namespace qms::notifications {
namespace {

absl::Time DueOf(const v1::Timer& t, v1::StageKind kind) {
  for (const v1::Stage& s : t.stages()) {
    if (s.kind() == kind) {
      return absl::FromUnixSeconds(s.due_time().seconds()) +
             absl::Nanoseconds(s.due_time().nanos());
    }
  }
  return absl::InfinitePast();
}

// SZ1 in Asia/Shanghai, the zone its calendars must name (the plants file is its one source).
std::vector<std::string> ShanghaiFlags() {
  std::vector<std::string> flags = NotificationFlags(PolicyFile());
  const std::string plants = absl::StrCat(::testing::TempDir(), "/plants-", getpid(), "-",
                                          absl::ToUnixNanos(absl::Now()), ".json");
  std::ofstream(plants) << R"({"plants": [{"code": "SZ1", "timeZone": "Asia/Shanghai"}]})";
  flags.push_back("--plants_file=" + plants);
  return flags;
}

absl::TimeZone Shanghai() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Shanghai", &zone));
  return zone;
}

// The database's clock: tests place their times from it, never from a date assumed to lie ahead.
absl::Time DbNow(TestDatabase& db) {
  return absl::FromUnixMicros(db.Count("SELECT CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)"));
}

// SZ1 working `windows` (minutes of the local day) every day of the week.
grpc::Status SetEveryDay(v1::CalendarService::Stub& calendars,
                         const std::vector<std::pair<int, int>>& windows,
                         const std::vector<std::string>& holidays = {}) {
  v1::SetCalendarRequest set;
  v1::Calendar* calendar = set.mutable_calendar();
  calendar->set_plant("SZ1");
  calendar->set_time_zone("Asia/Shanghai");
  for (int day = 1; day <= 7; ++day) {
    auto* w = calendar->add_week();
    w->set_weekday(day);
    for (const auto& [start, end] : windows) {
      auto* window = w->add_windows();
      window->set_start(absl::StrFormat("%02d:%02d", start / 60, start % 60));
      window->set_end(absl::StrFormat("%02d:%02d", end / 60, end % 60));
    }
  }
  for (const std::string& h : holidays) calendar->add_holidays(h);
  grpc::ClientContext context;
  testing::Authorize(context);
  v1::Calendar stored;
  return calendars.SetCalendar(&context, set, &stored);
}

class TimerCalls {
 public:
  explicit TimerCalls(const ServiceProcess& p) : timers_(StubOf<v1::TimerService>(p)) {}
  template <typename Method, typename Request>
  v1::Timer Call(Method method, const Request& request) {
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::Timer t;
    grpc::Status s = ((*timers_).*method)(&context, request, &t);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return t;
  }
  v1::Timer Arm(const std::string& subject, const std::string& policy,
                std::optional<absl::Time> start = std::nullopt) {
    v1::ArmTimerRequest arm;
    arm.set_plant("SZ1");
    arm.set_subject(subject);
    arm.set_policy(policy);
    if (start) arm.mutable_start_time()->set_seconds(absl::ToUnixSeconds(*start));
    return Call(&v1::TimerService::Stub::ArmTimer, arm);
  }
  template <typename Request>
  Request Key(const v1::Timer& t) {
    Request r;
    r.set_plant(t.plant());
    r.set_subject(t.subject());
    r.set_policy(t.policy());
    return r;
  }
  v1::Timer Pause(const v1::Timer& t) {
    return Call(&v1::TimerService::Stub::PauseTimer, Key<v1::PauseTimerRequest>(t));
  }
  v1::Timer Resume(const v1::Timer& t) {
    return Call(&v1::TimerService::Stub::ResumeTimer, Key<v1::ResumeTimerRequest>(t));
  }
  v1::Timer Get(const v1::Timer& t) {
    return Call(&v1::TimerService::Stub::GetTimer, Key<v1::GetTimerRequest>(t));
  }

 private:
  std::unique_ptr<v1::TimerService::Stub> timers_;
};

v1::StageState StateOf(const v1::Timer& t, v1::StageKind kind) {
  for (const v1::Stage& s : t.stages()) {
    if (s.kind() == kind) return s.state();
  }
  return v1::STAGE_STATE_UNSPECIFIED;
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

}  // namespace
}  // namespace qms::notifications

namespace qms::notifications {
namespace {

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

}  // namespace
}  // namespace qms::notifications

namespace qms::notifications {
namespace {

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

namespace qms::notifications {
namespace {
namespace plants_file {

std::string WritePlants(const std::string& name, const std::string& json) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name, "-", getpid(), "-",
                                        absl::ToUnixNanos(absl::Now()));
  std::ofstream(path) << json;
  return path;
}

v1::Calendar Get(v1::CalendarService::Stub& stub, const std::string& plant) {
  grpc::ClientContext context;
  testing::Authorize(context);
  v1::GetCalendarRequest r;
  r.set_plant(plant);
  v1::Calendar c;
  grpc::Status s = stub.GetCalendar(&context, r, &c);
  EXPECT_TRUE(s.ok()) << s.error_message();
  return c;
}

constexpr char kTokyoWeek[] =
    R"({"week": [{"weekday": 1, "windows": [{"start": "09:00", "end": "18:00"}]},
                 {"weekday": 2, "windows": [{"start": "09:00", "end": "18:00"}]}],
        "holidays": [HOLIDAYS]})";

std::string PlantsJson(const std::string& holidays) {
  std::string week = kTokyoWeek;
  week.replace(week.find("HOLIDAYS"), 8, holidays);
  return absl::StrCat(R"({"plants": [{"code": "ZZ1", "timeZone": "Asia/Tokyo", "calendar": )", week,
                      R"(}, {"code": "PP2", "timeZone": "Europe/Berlin"}]})");
}

}  // namespace plants_file

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
