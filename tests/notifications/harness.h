// The harness of the notification service's binary tests: real binaries (complaints and
// notifications, one or two replicas) over loopback gRPC, on a real MariaDB, delivering to real
// HTTP and SMTP listeners, with policies shortened to seconds by a test policy file. Each
// *_test.cc beside it is one topic: deliveries, firing, timers, calendars.
#ifndef QMS_TESTS_NOTIFICATIONS_HARNESS_H_
#define QMS_TESTS_NOTIFICATIONS_HARNESS_H_

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
inline std::string PolicyFile() {
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
inline cv1::CreateComplaintRequest NewComplaint(const std::string& plant) {
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
inline v1::Subscription SubscribeWebhook(v1::DeliveryService::Stub& deliveries,
                                         const std::string& plant, const std::string& url) {
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

inline std::vector<std::string> NotificationFlags(const std::string& policies) {
  return {"--policies_files=" + policies,   "--engine_poll_interval=200ms",
          "--metric_customers=ACME",        "--open_timers_refresh=200ms",
          "--delivery_first_backoff=100ms", "--delivery_max_attempts=3"};
}

template <typename Service>
inline std::unique_ptr<typename Service::Stub> StubOf(const ServiceProcess& p) {
  return Service::NewStub(
      grpc::CreateChannel(p.grpc_address(), grpc::InsecureChannelCredentials()));
}

inline v1::Timer GetTimer(v1::TimerService::Stub& stub, const std::string& subject,
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
  Watcher(v1::DeliveryService::Stub& stub, const std::string& plant, int64_t after_event_id = 0) {
    v1::WatchEventsRequest r;
    r.set_plant(plant);
    r.set_after_event_id(after_event_id);
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

inline bool HasKind(const std::vector<v1::Event>& events, v1::StageKind kind,
                    const std::string& policy) {
  for (const auto& e : events) {
    if (e.kind() == kind && e.policy() == policy) return true;
  }
  return false;
}

// Arms `count` timers of test.once (due 3 s after one common start) through `stub`.
inline void ArmMany(v1::TimerService::Stub& stub, int count, absl::Time start,
                    const std::string& tag) {
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

inline double FiredOn(const ServiceProcess& p) {
  auto metrics = testing::HttpGet(p.metrics_address(), "/metrics");
  if (!metrics.ok()) return -1;
  return std::max(0.0, MetricSample(*metrics, "qms_timer_stages_fired_total", {}));
}

inline absl::Time DueOf(const v1::Timer& t, v1::StageKind kind) {
  for (const v1::Stage& s : t.stages()) {
    if (s.kind() == kind) {
      return absl::FromUnixSeconds(s.due_time().seconds()) +
             absl::Nanoseconds(s.due_time().nanos());
    }
  }
  return absl::InfinitePast();
}

// SZ1 in Asia/Shanghai, the zone its calendars must name (the plants file is its one source).
inline std::vector<std::string> ShanghaiFlags() {
  std::vector<std::string> flags = NotificationFlags(PolicyFile());
  const std::string plants = absl::StrCat(::testing::TempDir(), "/plants-", getpid(), "-",
                                          absl::ToUnixNanos(absl::Now()), ".json");
  std::ofstream(plants) << R"({"plants": [{"code": "SZ1", "timeZone": "Asia/Shanghai"}]})";
  flags.push_back("--plants_file=" + plants);
  return flags;
}

inline absl::TimeZone Shanghai() {
  absl::TimeZone zone;
  EXPECT_TRUE(absl::LoadTimeZone("Asia/Shanghai", &zone));
  return zone;
}

// The database's clock: tests place their times from it, never from a date assumed to lie ahead.
inline absl::Time DbNow(TestDatabase& db) {
  return absl::FromUnixMicros(db.Count("SELECT CAST(UNIX_TIMESTAMP(NOW(6)) * 1000000 AS SIGNED)"));
}

// SZ1 working `windows` (minutes of the local day) every day of the week.
inline grpc::Status SetEveryDay(v1::CalendarService::Stub& calendars,
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

inline v1::StageState StateOf(const v1::Timer& t, v1::StageKind kind) {
  for (const v1::Stage& s : t.stages()) {
    if (s.kind() == kind) return s.state();
  }
  return v1::STAGE_STATE_UNSPECIFIED;
}

// A paused timer holds its stages: none fires and the timer is not overdue while its old due

namespace plants_file {

inline std::string WritePlants(const std::string& name, const std::string& json) {
  const std::string path = absl::StrCat(::testing::TempDir(), "/", name, "-", getpid(), "-",
                                        absl::ToUnixNanos(absl::Now()));
  std::ofstream(path) << json;
  return path;
}

inline v1::Calendar Get(v1::CalendarService::Stub& stub, const std::string& plant) {
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

inline std::string PlantsJson(const std::string& holidays) {
  std::string week = kTokyoWeek;
  week.replace(week.find("HOLIDAYS"), 8, holidays);
  return absl::StrCat(R"({"plants": [{"code": "ZZ1", "timeZone": "Asia/Tokyo", "calendar": )", week,
                      R"(}, {"code": "PP2", "timeZone": "Europe/Berlin"}]})");
}

}  // namespace plants_file

}  // namespace qms::notifications

#endif  // QMS_TESTS_NOTIFICATIONS_HARNESS_H_
