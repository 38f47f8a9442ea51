// The complaints binary under load when things break: kill -9 of the service, the database going
// away and coming back, and a soak with bounded memory. Every create that returned OK must be
// there afterwards, exactly once, and retries with the same request_id must not duplicate.
#include <cppconn/connection.h>
#include <cppconn/resultset.h>
#include <cppconn/statement.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/db/transaction.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "qms/complaints/v1/complaints.grpc.pb.h"
#include "tests/support/eventually.h"
#include "tests/support/health_check.h"
#include "tests/support/private_mariadb.h"
#include "tests/support/service_process.h"
#include "tests/support/test_database.h"
#include "tests/support/tokens.h"

namespace qms::complaints {
namespace {

using testing::Eventually;
using testing::Health;
using testing::PrivateMariaDB;
using testing::ServiceProcess;
using testing::TestDatabase;

constexpr char kBinary[] = QMS_BINARY_DIR "/services/complaints/complaints";

v1::CreateComplaintRequest Request(const std::string& request_id) {
  v1::CreateComplaintRequest r;
  r.set_parent("plants/SZ1");
  r.set_request_id(request_id);
  r.mutable_complaint()->set_customer("C-" + request_id);
  r.mutable_complaint()->set_part_number("PN-" + request_id);
  r.mutable_complaint()->set_defect_description("burr");
  r.mutable_complaint()->set_channel(v1::WRITTEN);
  return r;
}

grpc::Status Create(const std::string& address, const std::string& request_id, v1::Complaint* out) {
  auto stub = v1::ComplaintService::NewStub(
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  testing::Authorize(context);
  context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(3)));
  return stub->CreateComplaint(&context, Request(request_id), out);
}

// Creates from `threads` callers until `stop`; remembers what was acknowledged and what was tried.
class CreateLoad {
 public:
  CreateLoad(std::function<std::string()> address, int threads) {
    for (int t = 0; t < threads; ++t) {
      threads_.emplace_back([this, address, t] {
        for (int i = 0; !stop_; ++i) {
          const std::string id = absl::StrCat("load-", t, "-", i);
          v1::Complaint c;
          const grpc::Status s = Create(address(), id, &c);
          std::lock_guard<std::mutex> lock(mu_);
          tried_.insert(id);
          if (s.ok()) {
            acked_[id] = c.number();
          } else {
            codes_.insert(s.error_code());
            absl::SleepFor(absl::Milliseconds(20));
          }
        }
      });
    }
  }
  void Stop() {
    stop_ = true;
    for (auto& t : threads_) t.join();
    threads_.clear();
  }
  ~CreateLoad() { Stop(); }
  size_t acked() {
    std::lock_guard<std::mutex> lock(mu_);
    return acked_.size();
  }
  std::map<std::string, std::string> acked_;
  std::set<std::string> tried_;
  std::set<grpc::StatusCode> codes_;

 private:
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::vector<std::thread> threads_;
};

// Every acknowledged create is stored with the number the client was told; a retry of every
// request_id tried (acknowledged or not) leaves exactly one row per request_id; numbers stay
// gap-free.
template <typename Db>
void ExpectNothingLostNothingDoubled(Db& db, const CreateLoad& load, const std::string& address) {
  for (const auto& [id, number] : load.acked_) {
    EXPECT_EQ(db.Rows("SELECT number FROM complaints WHERE request_id = '" + id + "'"),
              std::vector<std::string>{number})
        << "acknowledged create " << id << " lost or renumbered";
  }
  for (const std::string& id : load.tried_) {
    v1::Complaint c;
    grpc::Status s = Create(address, id, &c);
    ASSERT_TRUE(s.ok()) << id << ": " << s.error_message();
    auto acked = load.acked_.find(id);
    if (acked != load.acked_.end()) {
      EXPECT_EQ(c.number(), acked->second) << "a retry is the same";
    }
  }
  EXPECT_EQ(db.Count("SELECT COUNT(*) FROM complaints"), static_cast<int64_t>(load.tried_.size()));
  EXPECT_EQ(db.Count("SELECT COUNT(DISTINCT request_id) FROM complaints"),
            static_cast<int64_t>(load.tried_.size()));
  EXPECT_EQ(
      db.Count("SELECT MAX(CAST(SUBSTRING_INDEX(number, '-', -1) AS UNSIGNED)) FROM complaints"),
      static_cast<int64_t>(load.tried_.size()))
      << "numbers are gap-free: a create that died took no number";
}

TEST(ComplaintsFaults, KillNineDuringACreateLoadLosesNoAcknowledgedCreate) {
  TestDatabase db;
  auto service = std::make_unique<ServiceProcess>(kBinary, db);
  std::string address = service->grpc_address();
  std::mutex address_mu;
  CreateLoad load(
      [&] {
        std::lock_guard<std::mutex> lock(address_mu);
        return address;
      },
      8);
  ASSERT_TRUE(Eventually([&] { return load.acked() >= 50; }, absl::Seconds(20)));
  service->Signal(SIGKILL);
  service->Wait(absl::Seconds(5));
  absl::SleepFor(absl::Milliseconds(300));
  load.Stop();
  service = std::make_unique<ServiceProcess>(kBinary, db);
  ExpectNothingLostNothingDoubled(db, load, service->grpc_address());
}

TEST(ComplaintsFaults, DatabaseOutageMeansUnavailableNotServingAndRecovery) {
  PrivateMariaDB server;
  ServiceProcess service(kBinary, server.options(), server.password_file());
  const std::string address = service.grpc_address();
  ASSERT_TRUE(
      Eventually([&] { return Health(address) == grpc::health::v1::HealthCheckResponse::SERVING; },
                 absl::Seconds(10)));
  CreateLoad load([&] { return address; }, 4);
  ASSERT_TRUE(Eventually([&] { return load.acked() >= 20; }, absl::Seconds(20)));

  server.Stop();
  EXPECT_TRUE(Eventually(
      [&] { return Health(address) == grpc::health::v1::HealthCheckResponse::NOT_SERVING; },
      absl::Seconds(10)))
      << "health follows the database";
  absl::SleepFor(absl::Seconds(3));
  const size_t during = load.acked();
  server.Start();
  EXPECT_TRUE(
      Eventually([&] { return Health(address) == grpc::health::v1::HealthCheckResponse::SERVING; },
                 absl::Seconds(20)))
      << "recovers by itself";
  EXPECT_TRUE(Eventually([&] { return load.acked() >= during + 20; }, absl::Seconds(20)))
      << "creates succeed again";
  load.Stop();
  EXPECT_TRUE(load.codes_.count(grpc::UNAVAILABLE) > 0) << "callers were told UNAVAILABLE";
  EXPECT_EQ(::kill(service.pid(), 0), 0) << "the service never crashed";
  ExpectNothingLostNothingDoubled(server, load, address);
}

int64_t RssKb(pid_t pid) {
  std::ifstream status(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

TEST(ComplaintsFaults, SoakKeepsMemoryFlat) {
#ifdef QMS_SANITIZED
  GTEST_SKIP() << "ASan's quarantine grows by design; the soak runs on the normal build";
#endif
  TestDatabase db;
  ServiceProcess service(kBinary, db);
  const std::string address = service.grpc_address();
  const char* seconds_env = std::getenv("QMS_SOAK_SECONDS");
  const absl::Duration soak = absl::Seconds(seconds_env ? std::atoi(seconds_env) : 120);
  std::atomic<bool> stop{false};
  std::atomic<int64_t> calls{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < 8; ++t) {
    callers.emplace_back([&, t] {
      auto stub = v1::ComplaintService::NewStub(
          grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
      std::vector<std::string> names;
      for (int i = 0; !stop; ++i) {
        grpc::ClientContext context;
        testing::Authorize(context);
        if (i % 4 == 0 || names.empty()) {
          v1::Complaint c;
          if (stub->CreateComplaint(&context, Request(absl::StrCat("soak-", t, "-", i)), &c).ok()) {
            names.push_back(c.name());
          }
        } else if (i % 4 == 1) {
          v1::ListComplaintsRequest r;
          r.set_parent("plants/SZ1");
          v1::ListComplaintsResponse out;
          (void)stub->ListComplaints(&context, r, &out);
        } else {
          v1::GetComplaintRequest r;
          r.set_name(names[i % names.size()]);
          v1::Complaint out;
          (void)stub->GetComplaint(&context, r, &out);
        }
        ++calls;
      }
    });
  }
  // Warm up (pools, caches, allocator arenas), then watch the resident size.
  const absl::Duration warmup = soak / 4;
  absl::SleepFor(warmup);
  const int64_t start_kb = RssKb(service.pid());
  int64_t peak_kb = start_kb;
  const absl::Time end = absl::Now() + soak - warmup;
  while (absl::Now() < end) {
    absl::SleepFor(absl::Seconds(2));
    peak_kb = std::max(peak_kb, RssKb(service.pid()));
  }
  stop = true;
  for (auto& t : callers) t.join();
  const int64_t end_kb = RssKb(service.pid());
  std::cerr << "soak: " << calls << " calls; RSS after warm-up " << start_kb << " kB, peak "
            << peak_kb << " kB, end " << end_kb << " kB\n";
  EXPECT_GT(calls, 1000);
  // Bounded growth: the larger of 16 MiB or 20 % of the warmed-up size.
  EXPECT_LE(peak_kb - start_kb, std::max<int64_t>(16 * 1024, start_kb / 5));
}

}  // namespace
}  // namespace qms::complaints
