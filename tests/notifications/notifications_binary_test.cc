// The notification service as deployed: real binaries (complaints and notifications, one or two
// replicas) over loopback gRPC, on a real MariaDB, delivering to a real HTTP listener, with
// policies shortened to seconds by a test policy file.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "common/sha256.h"
#include "qms/complaints/v1/complaints.grpc.pb.h"
#include "qms/notifications/v1/notifications.grpc.pb.h"
#include "tests/support/http_listener.h"
#include "tests/support/service_process.h"
#include "tests/support/smtp_listener.h"
#include "tests/support/test_database.h"
#include "tests/support/tokens.h"

namespace qms::notifications {
namespace {

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
    {"name": "test.working", "deadlines": [{"name": "due", "duration": "3 working days"}]}
  ]})";
  return path;
}

std::vector<std::string> NotificationFlags(const std::string& policies) {
  return {"--policies_file=" + policies, "--engine_poll_interval=200ms",
          "--open_timers_refresh=200ms", "--delivery_first_backoff=100ms",
          "--delivery_max_attempts=3"};
}

template <typename Service>
std::unique_ptr<typename Service::Stub> StubOf(const ServiceProcess& p) {
  return Service::NewStub(
      grpc::CreateChannel(p.grpc_address(), grpc::InsecureChannelCredentials()));
}

bool Eventually(const std::function<bool()>& condition, absl::Duration timeout) {
  const absl::Time end = absl::Now() + timeout;
  while (absl::Now() < end) {
    if (condition()) return true;
    absl::SleepFor(absl::Milliseconds(50));
  }
  return condition();
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

  {
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::CreateSubscriptionRequest r;
    r.mutable_subscription()->set_plant("SZ1");
    r.mutable_subscription()->set_webhook_url(hook.url());
    r.mutable_subscription()->set_webhook_secret(kSecret);
    v1::Subscription s;
    ASSERT_TRUE(deliveries->CreateSubscription(&context, r, &s).ok());
    EXPECT_TRUE(s.webhook_secret().empty()) << "secrets are never returned";
  }
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
  absl::SleepFor(absl::Milliseconds(500));
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

TEST(NotificationsEndToEnd, FailingWebhookIsRetriedThenDead) {
  TestDatabase db;
  HttpListener hook;
  hook.SetStatus(503);
  ServiceProcess notifications(kNotifications, db, NotificationFlags(PolicyFile()));
  auto timers = StubOf<v1::TimerService>(notifications);
  auto deliveries = StubOf<v1::DeliveryService>(notifications);
  {
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::CreateSubscriptionRequest r;
    r.mutable_subscription()->set_plant("*");
    r.mutable_subscription()->set_webhook_url(hook.url());
    r.mutable_subscription()->set_webhook_secret(kSecret);
    v1::Subscription s;
    ASSERT_TRUE(deliveries->CreateSubscription(&context, r, &s).ok());
  }
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
  absl::SleepFor(absl::Milliseconds(500));
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
  absl::SleepFor(absl::Seconds(1));
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
  // Let the server finish (or roll back) whatever the dead connections had sent.
  absl::SleepFor(absl::Milliseconds(500));
  const int64_t before = db.Count("SELECT COUNT(*) FROM firings");
  ServiceProcess restarted(kNotifications, db, NotificationFlags(policies));
  ASSERT_TRUE(Eventually([&] { return db.Count("SELECT COUNT(*) FROM firings") >= 600; },
                         absl::Seconds(20)))
      << "fired before the kill: " << before;
  absl::SleepFor(absl::Milliseconds(500));
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM firings"), 600);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM timer_stages WHERE state = 2"), 600);
  EXPECT_EQ(FiredOn(restarted), 600 - before) << "the restart fired exactly what was left";
}

// The relay sends consecutive arms as one BatchArmTimers; one arm the service refuses for good
// (an unknown policy) makes it resend that batch one by one, so only that arm is dropped.
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
  EXPECT_EQ(complaints_db.Count("SELECT COUNT(*) FROM outbox"),
            2 * kComplaintsCount);
  complaints->Signal(SIGKILL);
  complaints->Wait(absl::Seconds(5));
  complaints.reset();
  complaints_db.Execute(
      "UPDATE outbox SET policy = 'no.such.policy' WHERE id = (SELECT id FROM (SELECT id FROM "
      "outbox WHERE policy = 'complaint.corrective_action' ORDER BY id LIMIT 1 OFFSET 9) x)");

  ServiceProcess notifications(kNotifications, notifications_db, NotificationFlags(policies));
  ServiceProcess restarted(kComplaints, complaints_db,
                           {"--notifications_target=" + notifications.grpc_address()});
  ASSERT_TRUE(Eventually(
      [&] {
        return complaints_db.Count("SELECT COUNT(*) FROM outbox") == 0;
      },
      absl::Seconds(20)));
  EXPECT_EQ(notifications_db.Count("SELECT COUNT(*) FROM timers WHERE state IN (1, 3)"),
            2 * kComplaintsCount - 1);
  EXPECT_EQ(notifications_db.Count(
                "SELECT COUNT(*) FROM timers WHERE policy = 'complaint.corrective_action'"),
            kComplaintsCount - 1);
  const auto metrics = testing::HttpGet(restarted.metrics_address(), "/metrics");
  ASSERT_TRUE(metrics.ok());
  EXPECT_EQ(MetricSample(*metrics, "qms_outbox_relayed_total", {"result=\"rejected\""}), 1);
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
  EXPECT_NE(s.error_message().find("subject"), std::string::npos);
  EXPECT_NE(s.error_message().find("policy"), std::string::npos);
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM timers"), 0) << "nothing written";
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

TEST(NotificationsEndToEnd, PausedTimeIsNotCountedAndCalendarChangesMoveDeadlines) {
  TestDatabase db;
  ServiceProcess notifications(kNotifications, db, NotificationFlags(PolicyFile()));
  auto timers = StubOf<v1::TimerService>(notifications);
  auto calendars = StubOf<v1::CalendarService>(notifications);
  const auto call = [&](auto method, const auto& request) {
    grpc::ClientContext context;
    testing::Authorize(context);
    v1::Timer t;
    grpc::Status s = ((*timers).*method)(&context, request, &t);
    EXPECT_TRUE(s.ok()) << s.error_message();
    return t;
  };

  // Pause for a second: the breach moves by that second.
  v1::ArmTimerRequest arm;
  arm.set_plant("SZ1");
  arm.set_subject("plants/SZ1/samples/S-1");
  arm.set_policy("test.once");
  const v1::Timer armed = call(&v1::TimerService::Stub::ArmTimer, arm);
  v1::PauseTimerRequest pause;
  pause.set_plant("SZ1");
  pause.set_subject(arm.subject());
  pause.set_policy(arm.policy());
  EXPECT_EQ(call(&v1::TimerService::Stub::PauseTimer, pause).state(), v1::PAUSED);
  absl::SleepFor(absl::Seconds(1));
  v1::ResumeTimerRequest resume;
  resume.set_plant("SZ1");
  resume.set_subject(arm.subject());
  resume.set_policy(arm.policy());
  const v1::Timer resumed = call(&v1::TimerService::Stub::ResumeTimer, resume);
  EXPECT_EQ(resumed.state(), v1::ARMED);
  const absl::Duration moved = DueOf(resumed, v1::BREACH) - DueOf(armed, v1::BREACH);
  EXPECT_GE(moved, absl::Seconds(1));
  EXPECT_LT(moved, absl::Seconds(3));

  // 3 working days from Friday 20 November 2026 18:00 in Shenzhen: due Wednesday 25th. A
  // plant shutdown declared on the 23rd moves it to Thursday, as ComputeDeadline says.
  absl::TimeZone shanghai;
  ASSERT_TRUE(absl::LoadTimeZone("Asia/Shanghai", &shanghai));
  const absl::Time friday = absl::FromCivil(absl::CivilSecond(2026, 11, 20, 18, 0, 0), shanghai);
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
  arm.set_subject("plants/SZ1/complaints/SZ1-2026-00042");
  arm.set_policy("test.working");
  arm.mutable_start_time()->set_seconds(absl::ToUnixSeconds(friday));
  const v1::Timer before = call(&v1::TimerService::Stub::ArmTimer, arm);
  EXPECT_EQ(DueOf(before, v1::BREACH),
            absl::FromCivil(absl::CivilSecond(2026, 11, 25, 18, 0, 0), shanghai));

  calendar->add_holidays("2026-11-23");
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
  v1::GetTimerRequest get;
  get.set_plant("SZ1");
  get.set_subject(arm.subject());
  get.set_policy(arm.policy());
  const v1::Timer after = call(&v1::TimerService::Stub::GetTimer, get);
  const absl::Time thursday = absl::FromCivil(absl::CivilSecond(2026, 11, 26, 18, 0, 0), shanghai);
  EXPECT_EQ(DueOf(after, v1::BREACH), thursday);

  v1::ComputeDeadlineRequest compute;
  compute.set_plant("SZ1");
  compute.mutable_start_time()->set_seconds(absl::ToUnixSeconds(friday));
  compute.mutable_duration()->set_amount(3);
  compute.mutable_duration()->set_unit(v1::WORKING_DAYS);
  v1::ComputeDeadlineResponse deadline;
  grpc::ClientContext context;
  testing::Authorize(context);
  ASSERT_TRUE(calendars->ComputeDeadline(&context, compute, &deadline).ok());
  EXPECT_EQ(deadline.deadline().seconds(), absl::ToUnixSeconds(thursday));
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
  // One bad request fails the whole batch, naming it; nothing is written.
  v1::BatchArmTimersRequest bad;
  *bad.add_requests() = request("plants/SZ1/y/1");
  *bad.add_requests() = request("plants/SZ1/y/2");
  bad.mutable_requests(1)->set_policy("no.such");
  grpc::ClientContext context;
  testing::Authorize(context);
  grpc::Status s = timers->BatchArmTimers(&context, bad, &response);
  EXPECT_EQ(s.error_code(), grpc::INVALID_ARGUMENT);
  EXPECT_NE(s.error_message().find("requests[1].policy"), std::string::npos) << s.error_message();
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
        return MetricSample(metrics, "qms_timers_open",
                            {"plant=\"SZ1\"", "policy=\"complaint.containment\""}) == 3 &&
               MetricSample(metrics, "qms_timer_fire_lag_seconds_count", {}) == 2;
      },
      absl::Seconds(5)))
      << metrics;
  EXPECT_EQ(MetricSample(metrics, "qms_timers_open", {"plant=\"BER\""}), 1);
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
