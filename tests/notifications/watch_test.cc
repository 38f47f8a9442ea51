// WatchEvents at scale: many board streams on one replica read from one poller of fired events
// (services/notifications/event_feed.h), each seeing every event of its plant once; the
// database is queried at a rate that does not grow with the streams; a stream that names the
// last event it saw catches up without a gap or a repeat.
#include <map>

#include "tests/notifications/harness.h"

namespace qms::notifications {
namespace {

double FeedQueries(const ServiceProcess& p) {
  auto metrics = testing::HttpGet(p.metrics_address(), "/metrics");
  return metrics.ok() ? MetricSample(*metrics, "qms_event_feed_queries_total", {}) : -1;
}

TEST(NotificationsEndToEnd, ManyBoardStreamsSeeEveryEventOnceFromOnePollerPerReplica) {
  TestDatabase db;
  const std::string policies = PolicyFile();
  ServiceProcess notifications(kNotifications, db, NotificationFlags(policies));
  auto timers = StubOf<v1::TimerService>(notifications);
  auto deliveries = StubOf<v1::DeliveryService>(notifications);

  // Queries with no stream at all, over a settled moment.
  ASSERT_TRUE(Eventually([&] { return FeedQueries(notifications) >= 0; }));
  const auto queries_per_second = [&](absl::Duration over) {
    const double before = FeedQueries(notifications);
    absl::SleepFor(over);
    return (FeedQueries(notifications) - before) / absl::ToDoubleSeconds(over);
  };
  const double idle = queries_per_second(absl::Seconds(2));

  std::vector<std::unique_ptr<Watcher>> boards, others;
  for (int i = 0; i < 40; ++i) boards.push_back(std::make_unique<Watcher>(*deliveries, "SZ1"));
  for (int i = 0; i < 10; ++i) others.push_back(std::make_unique<Watcher>(*deliveries, "BER"));
  const double watched = queries_per_second(absl::Seconds(2));
  // 50 streams polling on their own made 4 queries a second each.
  EXPECT_LT(watched, idle + 3) << "idle " << idle << "/s, with 50 streams " << watched << "/s";

  constexpr int kTimers = 300;
  ArmMany(*timers, kTimers, absl::Now() + absl::Seconds(2), "board");
  ASSERT_TRUE(Eventually([&] { return db.Count("SELECT COUNT(*) FROM firings") >= kTimers; },
                         absl::Seconds(30)));
  for (auto& board : boards) {
    ASSERT_TRUE(Eventually([&] { return board->events().size() >= kTimers; }, absl::Seconds(10)));
  }
  ASSERT_TRUE(notifications.AwaitLoopPasses("event-feed", 3)) << "the poller looked again";
  std::set<int64_t> ids;
  for (auto& board : boards) {
    std::map<int64_t, int> seen;
    for (const v1::Event& e : board->events()) {
      ++seen[e.id()];
      EXPECT_EQ(e.plant(), "SZ1");
    }
    EXPECT_EQ(board->events().size(), static_cast<size_t>(kTimers)) << "no repeats";
    EXPECT_EQ(seen.size(), static_cast<size_t>(kTimers)) << "every event";
    for (const auto& [id, n] : seen) ids.insert(id);
  }
  EXPECT_EQ(ids.size(), static_cast<size_t>(kTimers)) << "the boards saw the same events";
  for (auto& other : others) EXPECT_TRUE(other->events().empty()) << "another plant's board";

  // A board that reconnects after the first 100 events it saw gets the other 200, once.
  std::vector<int64_t> order(ids.begin(), ids.end());
  Watcher resumed(*deliveries, "SZ1", order[99]);
  ASSERT_TRUE(Eventually([&] { return resumed.events().size() >= kTimers - 100; }));
  ASSERT_TRUE(notifications.AwaitLoopPasses("event-feed", 3));
  std::set<int64_t> after;
  for (const v1::Event& e : resumed.events()) after.insert(e.id());
  EXPECT_EQ(resumed.events().size(), static_cast<size_t>(kTimers - 100));
  EXPECT_EQ(after, std::set<int64_t>(order.begin() + 100, order.end()));
}

}  // namespace
}  // namespace qms::notifications
