// WatchEvents under a firing burst (not a test): S board streams of one plant on one replica
// while N stages fall due at one instant, for S = 10 and S = 200 (one run each, same service).
// Prints, side by side: events each stream received (every one, once), the database queries per
// second made for the streams (qms_event_feed_queries_total), and the service's resident memory
// before and after. Run by `scripts/qms bench events`.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "qms/notifications/v1/notifications.grpc.pb.h"
#include "tests/support/service_process.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50052", "notifications gRPC address");
ABSL_FLAG(std::string, metrics, "", "notifications /metrics address");
ABSL_FLAG(int32_t, pid, 0, "the notification service's process (for its resident memory)");
ABSL_FLAG(std::string, token, "", "bearer token (roles service, admin; every plant)");
ABSL_FLAG(int32_t, due, 20000, "stages due at one instant per run");
ABSL_FLAG(std::string, streams, "10,200", "board streams per run");
ABSL_FLAG(std::string, json_out, "", "write the figures here as JSON");

namespace {

namespace v1 = qms::notifications::v1;

void Authorize(grpc::ClientContext& context) {
  context.AddMetadata("authorization", "Bearer " + absl::GetFlag(FLAGS_token));
}

double FeedQueries() {
  auto text = qms::testing::HttpGet(absl::GetFlag(FLAGS_metrics), "/metrics");
  return text.ok() ? qms::testing::MetricSample(*text, "qms_event_feed_queries_total", {}) : -1;
}

int64_t RssKb() {
  std::ifstream status(absl::StrCat("/proc/", absl::GetFlag(FLAGS_pid), "/status"));
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stoll(line.substr(6));
  }
  return -1;
}

// One board: counts what it receives, and repeats.
class Board {
 public:
  explicit Board(const std::shared_ptr<grpc::Channel>& channel)
      : stub_(v1::DeliveryService::NewStub(channel)) {
    v1::WatchEventsRequest r;
    r.set_plant("SZ1");
    Authorize(context_);
    reader_ = stub_->WatchEvents(&context_, r);
    thread_ = std::thread([this] {
      v1::Event e;
      while (reader_->Read(&e)) {
        absl::MutexLock lock(&mu_);
        if (!ids_.insert(e.id()).second) ++repeats_;
      }
    });
  }
  ~Board() {
    context_.TryCancel();
    thread_.join();
  }
  size_t received() {
    absl::MutexLock lock(&mu_);
    return ids_.size();
  }
  int repeats() {
    absl::MutexLock lock(&mu_);
    return repeats_;
  }

 private:
  std::unique_ptr<v1::DeliveryService::Stub> stub_;
  grpc::ClientContext context_;
  std::unique_ptr<grpc::ClientReader<v1::Event>> reader_;
  absl::Mutex mu_;
  std::set<int64_t> ids_;
  int repeats_ = 0;
  std::thread thread_;
};

// Arms `count` bench.trickle timers of SZ1 all due at `due`, 500 a call from 4 callers.
bool ArmBurst(int count, absl::Time due, const std::string& tag) {
  auto channel =
      grpc::CreateChannel(absl::GetFlag(FLAGS_target), grpc::InsecureChannelCredentials());
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> callers;
  for (int c = 0; c < 4; ++c) {
    callers.emplace_back([&] {
      auto stub = v1::TimerService::NewStub(channel);
      for (int first = next.fetch_add(500); first < count && !failed; first = next.fetch_add(500)) {
        v1::BatchArmTimersRequest batch;
        for (int i = first; i < std::min(count, first + 500); ++i) {
          v1::ArmTimerRequest* r = batch.add_requests();
          r->set_plant("SZ1");
          r->set_subject(absl::StrCat("plants/SZ1/board/", tag, "-", i));
          r->set_policy("bench.trickle");  // its explicit due time
          r->mutable_start_time()->set_seconds(absl::ToUnixSeconds(absl::Now()));
          r->mutable_due_time()->set_seconds(absl::ToUnixSeconds(due));
        }
        grpc::ClientContext context;
        Authorize(context);
        v1::BatchArmTimersResponse response;
        if (grpc::Status s = stub->BatchArmTimers(&context, batch, &response); !s.ok()) {
          std::cerr << "BatchArmTimers: " << s.error_message() << "\n";
          failed = true;
        }
      }
    });
  }
  for (auto& t : callers) t.join();
  return !failed;
}

}  // namespace

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int due_count = absl::GetFlag(FLAGS_due);
  nlohmann::json json = nlohmann::json::array();
  std::printf("\nWatchEvents under a burst of %d stages due at one instant, one replica (%s)\n",
              due_count, absl::FormatTime(absl::Now()).c_str());
  std::printf("%8s | %14s %8s | %12s %12s | %9s %9s\n", "streams", "events/stream", "repeats",
              "queries/s", "burst s", "RSS kB", "RSS after");
  int run = 0;
  for (absl::string_view level : absl::StrSplit(absl::GetFlag(FLAGS_streams), ',')) {
    const int streams = std::stoi(std::string(level));
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    for (int i = 0; i < 8; ++i) {
      grpc::ChannelArguments args;
      args.SetInt("board", i);  // distinct channels: 8 connections
      channels.push_back(grpc::CreateCustomChannel(absl::GetFlag(FLAGS_target),
                                                   grpc::InsecureChannelCredentials(), args));
    }
    std::vector<std::unique_ptr<Board>> boards;
    for (int i = 0; i < streams; ++i) {
      boards.push_back(std::make_unique<Board>(channels[static_cast<size_t>(i) % 8]));
    }
    absl::SleepFor(absl::Seconds(1));
    const int64_t rss_before = RssKb();
    const absl::Time due = absl::Now() + absl::Seconds(6);
    if (!ArmBurst(due_count, due, absl::StrCat("run", run++, "-", getpid()))) return 1;
    absl::SleepFor(due - absl::Now());
    const double queries_before = FeedQueries();
    const absl::Time burst_start = absl::Now();
    // Until every board has every event (or two minutes).
    bool all = false;
    while (!all && absl::Now() - burst_start < absl::Minutes(2)) {
      absl::SleepFor(absl::Milliseconds(100));
      all = true;
      for (auto& b : boards) all = all && b->received() >= static_cast<size_t>(due_count);
    }
    const double burst_seconds = absl::ToDoubleSeconds(absl::Now() - burst_start);
    const double queries = (FeedQueries() - queries_before) / burst_seconds;
    size_t least = static_cast<size_t>(due_count);
    int repeats = 0;
    for (auto& b : boards) {
      least = std::min(least, b->received());
      repeats += b->repeats();
    }
    const int64_t rss_after = RssKb();
    std::printf("%8d | %14zu %8d | %12.1f %12.2f | %9lld %9lld\n", streams, least, repeats, queries,
                burst_seconds, static_cast<long long>(rss_before),
                static_cast<long long>(rss_after));
    json.push_back({{"streams", streams},
                    {"due", due_count},
                    {"least_events_per_stream", least},
                    {"repeats", repeats},
                    {"feed_queries_per_second", queries},
                    {"burst_seconds", burst_seconds},
                    {"rss_kb_before", rss_before},
                    {"rss_kb_after", rss_after}});
  }
  if (const std::string out = absl::GetFlag(FLAGS_json_out); !out.empty()) {
    std::ofstream(out) << json.dump(2) << "\n";
  }
  return 0;
}
