#include "common/group_commit.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <stdexcept>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "tests/support/eventually.h"

namespace qms {
namespace {

struct Item {
  int id = 0;
  int group = 0;  // items of one group may not share a batch
  int runs = 0;
  size_t batch_size = 0;
};

TEST(GroupCommit, AnIdleKeyRunsTheItemAtOnceAlone) {
  int batches = 0;
  GroupCommit<Item> commit(
      16,
      [&](const std::string&, const std::vector<Item*>& batch) {
        ++batches;
        for (Item* i : batch) i->batch_size = batch.size();
      },
      [](const std::vector<Item*>&, const Item&) { return true; });
  Item item;
  commit.Submit("SZ1", item);
  EXPECT_EQ(batches, 1);
  EXPECT_EQ(item.batch_size, 1u);
}

// 48 threads on one key: every item runs exactly once, batches never overlap, never exceed the
// maximum, never hold two items of one group, and contention does form batches.
TEST(GroupCommit, ContendedItemsOfOneKeyRunOnceInBatchesThatNeverOverlap) {
  constexpr int kThreads = 48;
  constexpr size_t kMax = 8;
  std::atomic<int> in_flight{0};
  std::atomic<int> overlaps{0};
  std::atomic<int> oversized{0};
  std::atomic<int> mixed_groups{0};
  GroupCommit<Item> commit(
      kMax,
      [&](const std::string&, const std::vector<Item*>& batch) {
        if (in_flight.fetch_add(1) != 0) overlaps++;
        if (batch.size() > kMax) oversized++;
        std::set<int> groups;
        for (Item* i : batch) {
          if (!groups.insert(i->group).second) mixed_groups++;
          i->runs++;
          i->batch_size = batch.size();
        }
        absl::SleepFor(absl::Milliseconds(2));  // a commit
        in_flight.fetch_sub(1);
      },
      [](const std::vector<Item*>& batch, const Item& item) {
        for (const Item* i : batch) {
          if (i->group == item.group) return false;
        }
        return true;
      });
  std::vector<Item> items(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    items[t].id = t;
    items[t].group = t % 12;
    threads.emplace_back([&, t] {
      for (int round = 0; round < 5; ++round) commit.Submit("SZ1", items[t]);
    });
  }
  for (auto& t : threads) t.join();
  size_t largest = 0;
  for (const Item& i : items) {
    EXPECT_EQ(i.runs, 5) << "item " << i.id;
    largest = std::max(largest, i.batch_size);
  }
  EXPECT_EQ(overlaps.load(), 0);
  EXPECT_EQ(oversized.load(), 0);
  EXPECT_EQ(mixed_groups.load(), 0);
  EXPECT_GT(largest, 1u) << "48 contending threads formed no batch";
}

// Under contention the key's drainer thread runs the queued batches one after another (no caller
// thread leads them), and it ends once the key has been idle for the linger time.
TEST(GroupCommit, ADrainerRunsQueuedBatchesAndEndsWhenIdle) {
  absl::Mutex mu;
  std::vector<std::thread::id> runners;
  GroupCommit<Item> commit(
      4,
      [&](const std::string&, const std::vector<Item*>& batch) {
        {
          absl::MutexLock lock(&mu);
          runners.push_back(std::this_thread::get_id());
        }
        for (Item* i : batch) i->runs++;
        absl::SleepFor(absl::Milliseconds(2));
      },
      [](const std::vector<Item*>&, const Item&) { return true; }, absl::Milliseconds(100));
  constexpr int kThreads = 8;
  std::vector<Item> items(kThreads);
  std::vector<std::thread> threads;
  std::set<std::thread::id> callers;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 10; ++round) commit.Submit("SZ1", items[t]);
    });
    callers.insert(threads.back().get_id());
  }
  for (auto& t : threads) t.join();
  for (const Item& i : items) EXPECT_EQ(i.runs, 10);
  std::set<std::thread::id> drainers;
  for (std::thread::id id : runners) {
    if (callers.count(id) == 0) drainers.insert(id);
  }
  EXPECT_EQ(drainers.size(), 1u) << "queued batches run on one drainer thread";
  EXPECT_EQ(commit.LiveDrainers(), 1u);
  EXPECT_TRUE(testing::Eventually([&] { return commit.LiveDrainers() == 0; }, absl::Seconds(2)))
      << "an idle drainer ends after its linger time";
  // The key works on: idle, so the next item runs on its caller's thread.
  Item late;
  commit.Submit("SZ1", late);
  EXPECT_EQ(late.runs, 1);
  EXPECT_EQ(runners.back(), std::this_thread::get_id());
}

// A batch that throws fails only its own items: they keep the error they started with, and the
// key runs the next batch.
TEST(GroupCommit, ABatchThatThrowsLeavesTheKeyUsable) {
  GroupCommit<Item> commit(
      4,
      [](const std::string&, const std::vector<Item*>& batch) {
        if (batch.front()->group == 1) throw std::runtime_error("connector blew up");
        for (Item* i : batch) i->runs++;
      },
      [](const std::vector<Item*>&, const Item&) { return true; });
  Item bad;
  bad.group = 1;
  commit.Submit("SZ1", bad);
  EXPECT_EQ(bad.runs, 0);
  Item good;
  commit.Submit("SZ1", good);
  EXPECT_EQ(good.runs, 1);
}

// A batch of one key does not hold up another key: SZ1's batch waits, inside its run, until
// BER's batch has run.
TEST(GroupCommit, KeysAreIndependent) {
  absl::Notification ber_ran;
  bool sz1_saw_ber = false;
  GroupCommit<Item> commit(
      4,
      [&](const std::string& key, const std::vector<Item*>&) {
        if (key == "SZ1") {
          sz1_saw_ber = ber_ran.WaitForNotificationWithTimeout(absl::Seconds(30));
        } else {
          ber_ran.Notify();
        }
      },
      [](const std::vector<Item*>&, const Item&) { return true; });
  Item a, b;
  std::thread sz1([&] { commit.Submit("SZ1", a); });
  std::thread ber([&] { commit.Submit("BER", b); });
  sz1.join();
  ber.join();
  EXPECT_TRUE(sz1_saw_ber);
}

}  // namespace
}  // namespace qms
