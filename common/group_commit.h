// Group commit: concurrent requests that would serialise on one lock in the database (e.g. a
// plant's gap-free number counter) are collected, per key, into batches that one thread runs in
// one transaction, so the lock is taken and the commit paid once per batch instead of once per
// request.
//
// Submit blocks until a batch holding the item has run. At most one batch per key runs at a
// time; while it runs, later arrivals queue, and when it ends the oldest waiter leads the next
// batch with whatever queued meanwhile (up to max_batch, only items `compatible` with those
// already taken: the others wait for a later batch). Nothing waits for a batch to fill: a
// request that finds its key idle runs at once, alone. Keys are independent.
#ifndef QMS_COMMON_GROUP_COMMIT_H_
#define QMS_COMMON_GROUP_COMMIT_H_

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"

namespace qms {

template <typename Item>
class GroupCommit {
 public:
  // Runs one batch of one key; must give every item its result.
  using RunBatch = std::function<void(const std::string& key, const std::vector<Item*>& batch)>;
  // Whether `item` may join `batch` (which is never empty).
  using Compatible = std::function<bool(const std::vector<Item*>& batch, const Item& item)>;

  GroupCommit(size_t max_batch, RunBatch run, Compatible compatible)
      : max_batch_(max_batch < 1 ? 1 : max_batch),
        run_(std::move(run)),
        compatible_(std::move(compatible)) {}

  void Submit(const std::string& key, Item& item) {
    Waiter self{&item};
    std::vector<Waiter*> batch;
    std::vector<Item*> items;  // batch's items, in order
    {
      absl::MutexLock lock(&mu_);
      Queue& queue = queues_[key];
      if (!queue.busy) {
        queue.busy = true;
        self.lead = true;
      } else {
        queue.waiting.push_back(&self);
        mu_.Await(absl::Condition(
            +[](Waiter* w) { return w->done || w->lead; }, &self));
        if (self.done) return;
        Remove(queue.waiting, &self);
      }
      batch = Take(queue, &self, items);
    }
    run_(key, items);
    absl::MutexLock lock(&mu_);
    for (Waiter* w : batch) w->done = true;
    Queue& queue = queues_[key];
    if (queue.waiting.empty()) {
      queues_.erase(key);
    } else {
      queue.waiting.front()->lead = true;
    }
  }

  // Items of `key` waiting for a batch (not counting one that runs): for tests and metrics.
  size_t Waiting(const std::string& key) {
    absl::MutexLock lock(&mu_);
    auto it = queues_.find(key);
    return it == queues_.end() ? 0 : it->second.waiting.size();
  }

 private:
  struct Waiter {
    Item* item;
    bool lead = false;
    bool done = false;
  };
  struct Queue {
    bool busy = false;
    std::deque<Waiter*> waiting;
  };

  static void Remove(std::deque<Waiter*>& waiting, Waiter* w) {
    for (auto it = waiting.begin(); it != waiting.end(); ++it) {
      if (*it == w) {
        waiting.erase(it);
        return;
      }
    }
  }

  // The leader first, then the oldest compatible waiters; their items in `items`.
  std::vector<Waiter*> Take(Queue& queue, Waiter* leader, std::vector<Item*>& items)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    std::vector<Waiter*> batch{leader};
    items = {leader->item};
    for (auto it = queue.waiting.begin(); it != queue.waiting.end() && batch.size() < max_batch_;) {
      if (compatible_(items, *(*it)->item)) {
        batch.push_back(*it);
        items.push_back((*it)->item);
        it = queue.waiting.erase(it);
      } else {
        ++it;
      }
    }
    return batch;
  }

  const size_t max_batch_;
  const RunBatch run_;
  const Compatible compatible_;
  absl::Mutex mu_;
  std::map<std::string, Queue> queues_ ABSL_GUARDED_BY(mu_);
};

}  // namespace qms

#endif  // QMS_COMMON_GROUP_COMMIT_H_
