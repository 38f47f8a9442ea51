// The fired events of every plant as the WatchEvents streams of one replica see them: one poller
// (a PeriodicTask, woken when this replica's engine fired) reads new events from the database
// and appends them to a bounded window in memory; each stream keeps only a cursor into it. The
// database's queries per second do not grow with the streams, and neither does a stream's memory.
//
// Event ids come from AUTO_INCREMENT, so another replica's transaction may commit a lower id
// after a higher one is visible. The poller reads after the highest id it has (`top`) and, once
// a second, again from `floor`: the id below which every event is older than `settle`. The ids
// appended above the floor are remembered, so each event enters the window once; its order in
// the window is the order the poller found the events in.
#ifndef QMS_SERVICES_NOTIFICATIONS_EVENT_FEED_H_
#define QMS_SERVICES_NOTIFICATIONS_EVENT_FEED_H_

#include <cstdint>
#include <deque>
#include <map>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "common/monotonic_wait.h"
#include "common/periodic_task.h"
#include "services/notifications/delivery_store.h"

namespace prometheus {
class Counter;
class Gauge;
class Registry;
}  // namespace prometheus

namespace qms::notifications {

struct EventFeedOptions {
  absl::Duration poll_interval = absl::Milliseconds(250);
  absl::Duration rescan_interval = absl::Seconds(1);
  absl::Duration settle = absl::Seconds(30);
  size_t window = 20000;  // events kept for the streams to read
  int batch = 1000;       // events read per query
};

class EventFeed {
 public:
  // Registers qms_event_feed_queries_total and qms_event_feed_window in `registry` when given.
  EventFeed(DeliveryStore& store, EventFeedOptions options = {},
            prometheus::Registry* registry = nullptr);

  void Start() { task_.Start(); }
  void Stop() { task_.Stop(); }
  // New events were fired here: poll now.
  void Wake() { task_.Wake(); }
  // Ends every waiting read (the server shuts down).
  void Close();

  // One poll on the caller's thread: how many events were appended.
  absl::StatusOr<int> RunOnce();

  // Where a stream starts: the window's next position, and the highest id and the floor the
  // feed had read when that position was taken (for a stream that first catches up from the
  // database: events at or below `top` appended later are late commits it may have sent).
  struct Cursor {
    uint64_t position = 0;
    int64_t top = 0;
    int64_t floor = 0;
  };
  // Reads the database position first if the feed has not polled yet.
  absl::StatusOr<Cursor> Here();

  // Events from window position `*position` on (at most `max`; waits up to `timeout` for the
  // first), advancing `*position`. OUT_OF_RANGE when the window has moved past `*position` (a
  // reader that fell behind), CANCELLED once the feed is closed.
  absl::StatusOr<std::vector<Event>> Read(uint64_t* position, size_t max, absl::Duration timeout);

  // For tests and metrics: queries made, and the ids remembered above the floor.
  int64_t queries() const;
  size_t remembered() const;

 private:
  absl::Status InitLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  DeliveryStore& store_;
  const EventFeedOptions options_;
  absl::Mutex poll_mu_;  // one poll at a time; its queries run without holding mu_
  mutable absl::Mutex mu_;
  MonotonicCondVar appended_;
  bool initialized_ ABSL_GUARDED_BY(mu_) = false;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  int64_t top_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t floor_ ABSL_GUARDED_BY(mu_) = 0;
  // The ids appended above the floor, with their fire times (bounded: `settle` of firings).
  std::map<int64_t, absl::Time> above_floor_ ABSL_GUARDED_BY(mu_);
  std::deque<Event> window_ ABSL_GUARDED_BY(mu_);
  uint64_t base_ ABSL_GUARDED_BY(mu_) = 0;  // position of window_.front()
  absl::Time next_rescan_ ABSL_GUARDED_BY(mu_) = absl::InfinitePast();
  int64_t queries_ ABSL_GUARDED_BY(mu_) = 0;
  prometheus::Counter* queries_metric_ = nullptr;
  prometheus::Gauge* window_metric_ = nullptr;
  PeriodicTask task_;
};

}  // namespace qms::notifications

#endif  // QMS_SERVICES_NOTIFICATIONS_EVENT_FEED_H_
