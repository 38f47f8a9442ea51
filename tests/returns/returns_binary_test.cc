// The returns binary with the real complaints and notification binaries over loopback gRPC, on
// the real MariaDB: the timers each step arms and disarms as notifications holds them, the
// complaint told of its return also when complaints was down, kill -9 during a receipt load, and
// the database going away and coming back.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/proto_time.h"
#include "qms/complaints/v1/complaints.grpc.pb.h"
#include "qms/notifications/v1/notifications.grpc.pb.h"
#include "qms/returns/v1/returns.grpc.pb.h"
#include "tests/support/eventually.h"
#include "tests/support/health_check.h"
#include "tests/support/private_mariadb.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"
#include "tests/support/tokens.h"

namespace qms::returns {
namespace {

namespace cv1 = qms::complaints::v1;
namespace nv1 = qms::notifications::v1;
using testing::Eventually;
using testing::Health;
using testing::ServiceProcess;
using testing::TestDatabase;

constexpr char kReturns[] = QMS_BINARY_DIR "/services/returns/returns";
constexpr char kComplaints[] = QMS_BINARY_DIR "/services/complaints/complaints";
constexpr char kNotifications[] = QMS_BINARY_DIR "/services/notifications/notifications";

template <class Service>
std::unique_ptr<typename Service::Stub> StubOf(const std::string& address) {
  return Service::NewStub(grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
}

template <class Stub, class Request, class Response>
grpc::Status Call(Stub& stub,
                  grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&, Response*),
                  const Request& request, Response* response) {
  grpc::ClientContext context;
  testing::Authorize(context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  return (stub.*method)(&context, request, response);
}

int FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

v1::CreateReturnRequest NewReturn(const std::string& complaint, int64_t quantity = 10) {
  v1::CreateReturnRequest r;
  r.set_parent("plants/SZ1");
  r.mutable_return_()->set_customer("ACME");
  if (complaint.empty()) {
    r.mutable_return_()->set_bulk(true);
  } else {
    r.mutable_return_()->set_complaint(complaint);
  }
  v1::ReturnLine* a = r.mutable_return_()->add_lines();
  a->set_part_number("PN-100");
  a->set_announced_quantity(quantity);
  a->set_reason_code("BURR");
  return r;
}

// notifications, complaints (on a port of its own choosing, so that it can come back there) and
// returns, each on its own database.
class ReturnsEndToEnd : public ::testing::Test {
 protected:
  void SetUp() override {
    notifications_ = std::make_unique<ServiceProcess>(
        kNotifications, notifications_db_,
        std::vector<std::string>{"--policies_files=" + testing::ServicePolicyFiles(),
                                 "--engine_poll_interval=200ms"});
    complaints_port_ = FreePort();
    StartComplaints();
    returns_ = std::make_unique<ServiceProcess>(kReturns, returns_db_, ReturnsFlags());
    stub_ = StubOf<v1::ReturnService>(returns_->grpc_address());
    timers_ = StubOf<nv1::TimerService>(notifications_->grpc_address());
  }

  std::vector<std::string> ReturnsFlags() {
    return {"--notifications_target=" + notifications_->grpc_address(),
            absl::StrCat("--complaints_target=127.0.0.1:", complaints_port_)};
  }
  void StartComplaints() {
    complaints_ = std::make_unique<ServiceProcess>(
        kComplaints, complaints_db_,
        std::vector<std::string>{absl::StrCat("--listen=127.0.0.1:", complaints_port_),
                                 "--notifications_target=" + notifications_->grpc_address()});
    complaint_stub_ = StubOf<cv1::ComplaintService>(complaints_->grpc_address());
  }

  std::string NewComplaint() {
    cv1::CreateComplaintRequest r;
    r.set_parent("plants/SZ1");
    r.mutable_complaint()->set_customer("ACME");
    r.mutable_complaint()->set_part_number("PN-100");
    r.mutable_complaint()->set_defect_description("burr");
    r.mutable_complaint()->set_channel(cv1::WRITTEN);
    cv1::Complaint c;
    const grpc::Status st =
        Call(*complaint_stub_, &cv1::ComplaintService::Stub::CreateComplaint, r, &c);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return c.name();
  }
  bool Serious(const std::string& complaint) {
    cv1::GetComplaintRequest r;
    r.set_name(complaint);
    cv1::Complaint c;
    return Call(*complaint_stub_, &cv1::ComplaintService::Stub::GetComplaint, r, &c).ok() &&
           c.serious_reasons_size() == 1 && c.serious_reasons(0) == cv1::RETURN_OR_EXCHANGE;
  }
  // The timer's state in notifications; unspecified while it has none.
  nv1::TimerState TimerState(const std::string& subject, const std::string& policy,
                             nv1::Timer* out = nullptr) {
    nv1::GetTimerRequest r;
    r.set_plant("SZ1");
    r.set_subject(subject);
    r.set_policy(policy);
    nv1::Timer t;
    if (!Call(*timers_, &nv1::TimerService::Stub::GetTimer, r, &t).ok()) {
      return nv1::TIMER_STATE_UNSPECIFIED;
    }
    if (out != nullptr) *out = t;
    return t.state();
  }
  bool Becomes(const std::string& subject, const std::string& policy, nv1::TimerState state) {
    return Eventually([&] { return TimerState(subject, policy) == state; });
  }
  template <class Request>
  v1::Return Step(grpc::Status (v1::ReturnService::Stub::*method)(grpc::ClientContext*,
                                                                  const Request&, v1::Return*),
                  const Request& r) {
    v1::Return out;
    const grpc::Status st = Call(*stub_, method, r, &out);
    EXPECT_TRUE(st.ok()) << st.error_message();
    return out;
  }

  TestDatabase notifications_db_, complaints_db_, returns_db_;
  std::unique_ptr<ServiceProcess> notifications_, complaints_, returns_;
  int complaints_port_ = 0;
  std::unique_ptr<v1::ReturnService::Stub> stub_;
  std::unique_ptr<cv1::ComplaintService::Stub> complaint_stub_;
  std::unique_ptr<nv1::TimerService::Stub> timers_;
};

TEST_F(ReturnsEndToEnd, EachTimerIsArmedAndDisarmedInNotificationsByTheStepsThatStartAndEndIt) {
  const std::string complaint = NewComplaint();
  v1::CreateReturnRequest create = NewReturn(complaint);
  create.mutable_return_()->mutable_lines()->Add()->CopyFrom(create.return_().lines(0));
  v1::Return r = Step(&v1::ReturnService::Stub::CreateReturn, create);
  const std::string name = r.name();
  // The complaint is serious for the return and escalated in notifications.
  EXPECT_TRUE(Eventually([&] { return Serious(complaint); }));
  EXPECT_TRUE(Eventually(
      [&] { return TimerState(complaint, "complaint.serious") != nv1::TIMER_STATE_UNSPECIFIED; }));

  v1::RecordReceiptRequest receipt;
  receipt.set_name(name);
  receipt.mutable_receipt()->set_receipt_number("WH-1");
  for (int line : {1, 2}) {
    auto* l = receipt.mutable_receipt()->add_lines();
    l->set_line(line);
    l->set_quantity(10);
  }
  EXPECT_EQ(TimerState(name, "returns.quality_confirmation"), nv1::TIMER_STATE_UNSPECIFIED);
  r = Step(&v1::ReturnService::Stub::RecordReceipt, receipt);
  ASSERT_TRUE(Becomes(name, "returns.quality_confirmation", nv1::ARMED));
  nv1::Timer confirmation;
  TimerState(name, "returns.quality_confirmation", &confirmation);
  EXPECT_EQ(FromProto(confirmation.due_time()), FromProto(r.next_due_time()))
      << "notifications holds the due time the return shows";
  EXPECT_EQ(confirmation.customer(), "ACME");

  v1::ConfirmQualityRequest ours;
  ours.set_name(name);
  ours.set_line(1);
  ours.set_result(v1::DEFECT_CONFIRMED);
  ours.set_nonconforming_quantity(10);
  ours.set_responsibility(v1::OURS);
  Step(&v1::ReturnService::Stub::ConfirmQuality, ours);
  v1::ConfirmQualityRequest not_ours = ours;
  not_ours.set_line(2);
  not_ours.set_result(v1::NO_TROUBLE_FOUND);
  not_ours.set_nonconforming_quantity(0);
  not_ours.set_responsibility(v1::NOT_OURS);
  EXPECT_EQ(TimerState(name, "returns.customer_explanation"), nv1::TIMER_STATE_UNSPECIFIED);
  Step(&v1::ReturnService::Stub::ConfirmQuality, not_ours);
  EXPECT_TRUE(Becomes(name, "returns.quality_confirmation", nv1::DISARMED));
  ASSERT_TRUE(Becomes(name, "returns.customer_explanation", nv1::ARMED));
  v1::ExplainToCustomerRequest explain;
  explain.set_name(name);
  explain.set_explanation("no defect found; the parts work in our test rig");
  Step(&v1::ReturnService::Stub::ExplainToCustomer, explain);
  EXPECT_TRUE(Becomes(name, "returns.customer_explanation", nv1::DISARMED));

  v1::DisposeLineRequest dispose;
  dispose.set_name(name);
  dispose.set_line(1);
  dispose.mutable_disposition()->set_rework(10);
  Step(&v1::ReturnService::Stub::DisposeLine, dispose);
  dispose.set_line(2);
  dispose.mutable_disposition()->set_rework(0);
  dispose.mutable_disposition()->set_return_to_customer(10);
  Step(&v1::ReturnService::Stub::DisposeLine, dispose);
  v1::IssueReworkOrderRequest order;
  order.set_name(name);
  order.set_line(1);
  order.set_quantity(10);
  order.set_instruction("deburr; 100 % visual inspection of the edge");
  const absl::Time need = absl::Now() + absl::Hours(72);
  ToProto(need, order.mutable_need_time());
  Step(&v1::ReturnService::Stub::IssueReworkOrder, order);
  const std::string order_subject = name + "/reworkOrders/1";
  ASSERT_TRUE(Becomes(order_subject, "returns.rework", nv1::ARMED));
  nv1::Timer rework;
  TimerState(order_subject, "returns.rework", &rework);
  EXPECT_EQ(FromProto(rework.due_time()), absl::FromUnixMicros(absl::ToUnixMicros(need)))
      << "due when the customer needs the goods back";
  v1::RecordReworkProgressRequest progress;
  progress.set_name(name);
  progress.set_rework_order(1);
  progress.set_reworked(10);
  progress.set_inspected_ok(10);
  Step(&v1::ReturnService::Stub::RecordReworkProgress, progress);
  v1::CloseReworkOrderRequest close_order;
  close_order.set_name(name);
  close_order.set_rework_order(1);
  Step(&v1::ReturnService::Stub::CloseReworkOrder, close_order);
  EXPECT_TRUE(Becomes(order_subject, "returns.rework", nv1::DISARMED));

  v1::RequestUrgentProductionRequest urgent;
  urgent.set_name(name);
  urgent.set_available_stock(5);
  ToProto(absl::Now() + absl::Hours(96), urgent.mutable_need_time());
  Step(&v1::ReturnService::Stub::RequestUrgentProduction, urgent);
  ASSERT_TRUE(Becomes(name, "returns.urgent_production", nv1::ARMED));
  v1::ScheduleUrgentProductionRequest schedule;
  schedule.set_name(name);
  schedule.set_production_order("MO-2211");
  Step(&v1::ReturnService::Stub::ScheduleUrgentProduction, schedule);
  EXPECT_TRUE(Becomes(name, "returns.urgent_production", nv1::DISARMED));
  v1::CloseReturnRequest close;
  close.set_name(name);
  EXPECT_EQ(Step(&v1::ReturnService::Stub::CloseReturn, close).state(), v1::CLOSED);
}

TEST_F(ReturnsEndToEnd, AReturnReachesItsComplaintAlsoWhenComplaintsWasDownAtTheTime) {
  const std::string complaint = NewComplaint();
  // Hold the relay's message to complaints deterministically behind an earlier row of the same
  // subject in backoff (the relay keeps a subject's rows in order), until complaints is down.
  returns_db_.Execute(absl::StrCat(
      "INSERT INTO outbox (kind, plant, subject, policy, detail, create_time, next_attempt_time) "
      "VALUES ('record_return', 'SZ1', '",
      complaint, "', '', 'hold', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6) + INTERVAL 1 HOUR)"));
  const v1::Return r = Step(&v1::ReturnService::Stub::CreateReturn, NewReturn(complaint));
  ASSERT_FALSE(r.name().empty());
  complaints_->Signal(SIGKILL);
  complaints_->Wait(absl::Seconds(10));
  returns_db_.Execute("DELETE FROM outbox WHERE detail = 'hold'");
  // The relay tries while complaints is down, and keeps the row.
  ASSERT_TRUE(Eventually([&] {
    return returns_db_.Count(
               "SELECT COUNT(*) FROM outbox WHERE kind = 'record_return' AND attempts > 0") == 1;
  }));
  StartComplaints();
  EXPECT_FALSE(Serious(complaint));
  EXPECT_TRUE(Eventually([&] { return Serious(complaint); }, absl::Seconds(40)))
      << "told once complaints is back";
  EXPECT_TRUE(Eventually([&] {
    return returns_db_.Count("SELECT COUNT(*) FROM outbox WHERE kind = 'record_return'") == 0;
  }));
  EXPECT_EQ(returns_db_.Count("SELECT COUNT(*) FROM outbox_dead"), 0);
}

// Receipts from several callers until stopped: what was acknowledged and what was tried.
class ReceiptLoad {
 public:
  ReceiptLoad(std::function<std::string()> address, std::vector<std::string> returns, int threads)
      : returns_(std::move(returns)) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, address, t] {
        for (int i = 0; !stop_; ++i) {
          const std::string receipt = absl::StrCat("WH-", t, "-", i);
          const std::string& name = returns_[(static_cast<size_t>(t) * 7 + i) % returns_.size()];
          const grpc::Status s = Send(address(), name, receipt);
          std::lock_guard<std::mutex> lock(mu_);
          tried_[receipt] = name;
          if (s.ok()) {
            acked_.insert(receipt);
          } else {
            absl::SleepFor(absl::Milliseconds(20));
          }
        }
      });
    }
  }
  ~ReceiptLoad() { Stop(); }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  size_t acked() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_.size();
  }
  static grpc::Status Send(const std::string& address, const std::string& name,
                           const std::string& receipt) {
    auto stub = StubOf<v1::ReturnService>(address);
    v1::RecordReceiptRequest r;
    r.set_name(name);
    r.mutable_receipt()->set_receipt_number(receipt);
    auto* l = r.mutable_receipt()->add_lines();
    l->set_line(1);
    l->set_quantity(1);
    v1::Return out;
    return Call(*stub, &v1::ReturnService::Stub::RecordReceipt, r, &out);
  }

  std::map<std::string, std::string> tried_;  // receipt -> return
  std::set<std::string> acked_;

 private:
  std::vector<std::string> returns_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

TEST_F(ReturnsEndToEnd, KillNineDuringAReceiptLoadLosesNoAcknowledgedReceiptAndRetriesDoubleNone) {
  std::vector<std::string> names;
  for (int i = 0; i < 20; ++i) {
    names.push_back(Step(&v1::ReturnService::Stub::CreateReturn, NewReturn("", 1000)).name());
  }
  std::string address = returns_->grpc_address();
  std::mutex address_mu;
  ReceiptLoad load(
      [&] {
        std::lock_guard<std::mutex> lock(address_mu);
        return address;
      },
      names, 6);
  ASSERT_TRUE(Eventually([&] { return load.acked() >= 100; }, absl::Seconds(30)));
  returns_->Signal(SIGKILL);
  EXPECT_EQ(returns_->Wait(absl::Seconds(10)), 128 + SIGKILL);
  const size_t before_restart = load.acked();
  returns_ = std::make_unique<ServiceProcess>(kReturns, returns_db_, ReturnsFlags());
  {
    std::lock_guard<std::mutex> lock(address_mu);
    address = returns_->grpc_address();
  }
  ASSERT_TRUE(Eventually([&] { return load.acked() >= before_restart + 50; }, absl::Seconds(30)));
  load.Stop();
  // Every receipt tried, acknowledged or not, once more: the same answer, nothing doubled.
  for (const auto& [receipt, name] : load.tried_) {
    const grpc::Status again = ReceiptLoad::Send(returns_->grpc_address(), name, receipt);
    ASSERT_TRUE(again.ok()) << receipt << ": " << again.error_message();
  }
  std::map<std::string, std::multiset<std::string>> stored;
  int64_t received = 0;
  for (const std::string& name : names) {
    v1::GetReturnRequest g;
    g.set_name(name);
    v1::Return r;
    ASSERT_TRUE(Call(*StubOf<v1::ReturnService>(returns_->grpc_address()),
                     &v1::ReturnService::Stub::GetReturn, g, &r)
                    .ok());
    for (const auto& x : r.receipts()) stored[name].insert(x.receipt_number());
    EXPECT_EQ(r.lines(0).received_quantity(), r.receipts_size()) << name;
    received += r.lines(0).received_quantity();
  }
  for (const std::string& receipt : load.acked_) {
    EXPECT_EQ(stored[load.tried_.at(receipt)].count(receipt), 1u)
        << "acknowledged receipt " << receipt << " lost or doubled";
  }
  EXPECT_EQ(received, static_cast<int64_t>(load.tried_.size())) << "each receipt once";
}

TEST(ReturnsFaults, DatabaseOutageMeansUnavailableAndRecoveryByItself) {
  testing::PrivateMariaDB server;
  ServiceProcess service(kReturns, server.options(), server.password_file());
  const std::string address = service.grpc_address();
  ASSERT_TRUE(
      Eventually([&] { return Health(address) == grpc::health::v1::HealthCheckResponse::SERVING; },
                 absl::Seconds(10)));
  auto stub = StubOf<v1::ReturnService>(address);
  v1::Return out;
  ASSERT_TRUE(Call(*stub, &v1::ReturnService::Stub::CreateReturn, NewReturn(""), &out).ok());
  server.Stop();
  grpc::Status during;
  EXPECT_TRUE(Eventually([&] {
    during = Call(*stub, &v1::ReturnService::Stub::CreateReturn, NewReturn(""), &out);
    return during.error_code() == grpc::StatusCode::UNAVAILABLE;
  })) << during.error_message();
  EXPECT_TRUE(Eventually(
      [&] { return Health(address) == grpc::health::v1::HealthCheckResponse::NOT_SERVING; }));
  server.Start();
  EXPECT_TRUE(Eventually(
      [&] { return Call(*stub, &v1::ReturnService::Stub::CreateReturn, NewReturn(""), &out).ok(); },
      absl::Seconds(30)))
      << "recovers by itself";
  EXPECT_EQ(::kill(service.pid(), 0), 0) << "the service never crashed";
  EXPECT_EQ(server.Count("SELECT COUNT(*) FROM returns"), 2) << "nothing written meanwhile";
}

}  // namespace
}  // namespace qms::returns
