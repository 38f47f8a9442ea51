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

TEST(NotificationsEndToEnd, ABoardThatStopsReadingIsToldToWatchAgainFromItsLastEvent) {
  TestDatabase db;
  const std::string policies = PolicyFile();
  std::vector<std::string> flags = NotificationFlags(policies);
  flags.push_back("--event_window=20");
  ServiceProcess notifications(kNotifications, db, flags);
  auto timers = StubOf<v1::TimerService>(notifications);
  auto deliveries = StubOf<v1::DeliveryService>(notifications);
  // A plant that has fired before (an id to resume after exists; 0 asks for new events only).
  ArmMany(*timers, 1, absl::Now() - absl::Seconds(5), "earlier");
  ASSERT_TRUE(Eventually([&] { return db.Count("SELECT COUNT(*) FROM firings") >= 1; }));
  ASSERT_TRUE(notifications.AwaitLoopPasses("event-feed", 2));
  // A board that opens its stream and does not read: the server's writes to it stall once the
  // connection's buffers are full, while the feed moves 2,000 events past its window of 20.
  grpc::ClientContext context;
  testing::Authorize(context);
  v1::WatchEventsRequest r;
  r.set_plant("SZ1");
  auto reader = deliveries->WatchEvents(&context, r);
  ArmMany(*timers, 2000, absl::Now() + absl::Seconds(1), "stalled");
  ASSERT_TRUE(Eventually([&] { return db.Count("SELECT COUNT(*) FROM firings") >= 2001; },
                         absl::Seconds(30)));
  ASSERT_TRUE(notifications.AwaitLoopPasses("event-feed", 3));
  std::set<int64_t> ids;
  v1::Event e;
  while (reader->Read(&e)) ids.insert(e.id());
  const grpc::Status ended = reader->Finish();
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::ABORTED) << ended.error_message();
  EXPECT_NE(ended.error_message().find("watch again with after_event_id="), std::string::npos)
      << ended.error_message();
  EXPECT_LT(ids.size(), 2000u) << "it fell behind";
  // Watching again from the event the message names, it gets the rest, once.
  const std::string message = ended.error_message();
  const int64_t resume = std::stoll(message.substr(message.rfind('=') + 1));
  if (!ids.empty()) {
    EXPECT_EQ(resume, *ids.rbegin()) << "the last event it was sent";
  }
  Watcher again(*deliveries, "SZ1", resume);
  ASSERT_TRUE(Eventually([&] { return ids.size() + again.events().size() >= 2000; }))
      << "first stream " << ids.size() << " (" << (ids.empty() ? 0 : *ids.begin()) << ".."
      << (ids.empty() ? 0 : *ids.rbegin()) << "), resumed after " << resume << ": "
      << again.events().size() << "; ended: " << ended.error_message();
  for (const v1::Event& x : again.events()) EXPECT_TRUE(ids.insert(x.id()).second) << x.id();
  EXPECT_EQ(ids.size(), 2000u);
}

}  // namespace
}  // namespace qms::notifications
