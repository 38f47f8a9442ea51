#include "services/notifications/event_feed.h"

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <utility>

#include "absl/time/clock.h"
#include "common/logging.h"
#include "common/status_macros.h"

namespace qms::notifications {

EventFeed::EventFeed(DeliveryStore& store, EventFeedOptions options, prometheus::Registry* registry)
    : store_(store), options_(options), task_("event-feed", options.poll_interval, [this] {
        absl::StatusOr<int> appended = RunOnce();
        if (!appended.ok())
          spdlog::warn("event feed poll failed: {}", appended.status().ToString());
      }) {
  if (registry != nullptr) {
    queries_metric_ = &prometheus::BuildCounter()
                           .Name("qms_event_feed_queries_total")
                           .Help(
                               "Queries of fired events made for this replica's WatchEvents "
                               "streams (one poller, whatever the number of streams)")
                           .Register(*registry)
                           .Add({});
    window_metric_ = &prometheus::BuildGauge()
                          .Name("qms_event_feed_window")
                          .Help("Fired events kept in memory for the streams to read")
                          .Register(*registry)
                          .Add({});
  }
}

void EventFeed::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  appended_.NotifyAll();
}

absl::Status EventFeed::InitLocked() {
  if (initialized_) return absl::OkStatus();
  QMS_ASSIGN_OR_RETURN(const int64_t last, store_.LastEventId());
  top_ = floor_ = last;
  initialized_ = true;
  return absl::OkStatus();
}

absl::StatusOr<int> EventFeed::RunOnce() {
  absl::MutexLock poll(&poll_mu_);
  int64_t from = 0;
  bool rescan = false;
  {
    absl::MutexLock lock(&mu_);
    QMS_RETURN_IF_ERROR(InitLocked());
    rescan = absl::Now() >= next_rescan_;
    from = rescan ? floor_ : top_;
  }
  int appended = 0;
  int queries = 0;
  while (true) {
    QMS_ASSIGN_OR_RETURN(std::vector<Event> events, store_.EventsAfter(from, "", options_.batch));
    ++queries;
    const bool more = static_cast<int>(events.size()) == options_.batch;
    absl::MutexLock lock(&mu_);
    for (Event& e : events) {
      from = e.id;
      if (e.id <= floor_ || !above_floor_.emplace(e.id, e.fire_time).second) continue;
      top_ = std::max(top_, e.id);
      window_.push_back(std::move(e));
      ++appended;
    }
    if (appended > 0) appended_.NotifyAll();
    if (!more) break;
  }
  absl::MutexLock lock(&mu_);
  queries_ += queries;
  if (queries_metric_ != nullptr) queries_metric_->Increment(queries);
  if (rescan) {
    // The floor passes the ids whose events are older than `settle`: nothing below it can
    // still commit (a transaction is not that slow), so it is not read again.
    const absl::Time settled = absl::Now() - options_.settle;
    while (!above_floor_.empty() && above_floor_.begin()->second < settled) {
      floor_ = above_floor_.begin()->first;
      above_floor_.erase(above_floor_.begin());
    }
    next_rescan_ = absl::Now() + options_.rescan_interval;
  }
  while (window_.size() > options_.window) {
    window_.pop_front();
    ++base_;
  }
  if (window_metric_ != nullptr) window_metric_->Set(static_cast<double>(window_.size()));
  return appended;
}

absl::StatusOr<EventFeed::Cursor> EventFeed::Here() {
  absl::MutexLock lock(&mu_);
  QMS_RETURN_IF_ERROR(InitLocked());
  return Cursor{base_ + window_.size(), top_, floor_};
}

absl::StatusOr<std::vector<Event>> EventFeed::Read(uint64_t* position, size_t max,
                                                   absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto ready = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    return closed_ || base_ + window_.size() > *position;
  };
  appended_.WaitFor(mu_, timeout, ready);
  if (closed_) return absl::CancelledError("the server is shutting down");
  if (*position < base_) {
    return absl::OutOfRangeError("the stream fell behind the events kept in memory");
  }
  std::vector<Event> out;
  for (uint64_t p = *position; p < base_ + window_.size() && out.size() < max; ++p) {
    out.push_back(window_[static_cast<size_t>(p - base_)]);
  }
  *position += out.size();
  return out;
}

int64_t EventFeed::queries() const {
  absl::MutexLock lock(&mu_);
  return queries_;
}

size_t EventFeed::remembered() const {
  absl::MutexLock lock(&mu_);
  return above_floor_.size();
}

}  // namespace qms::notifications
