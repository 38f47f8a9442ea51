#include "common/periodic_task.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <stdexcept>
#include <thread>

#include "absl/synchronization/notification.h"
#include "common/loop_passes.h"
#include "tests/support/eventually.h"

namespace qms {
namespace {

TEST(PeriodicTask, RunsFirstStepAtStartAndNoStepAfterStop) {
  std::atomic<int> steps{0};
  absl::Notification first;
  PeriodicTask task("t", absl::Hours(1), [&] {
    if (steps.fetch_add(1) == 0) first.Notify();
  });
  task.Start();
  ASSERT_TRUE(first.WaitForNotificationWithTimeout(absl::Seconds(10)));
  task.Stop();
  const int after_stop = steps.load();
  EXPECT_EQ(LoopPasses("t"), after_stop) << "every step ran to its end and was counted";
  // Stop joined the task's thread: a wake finds no one to run a step.
  task.Wake();
  EXPECT_EQ(steps.load(), after_stop);
  EXPECT_EQ(LoopPasses("t"), after_stop);
}

TEST(PeriodicTask, EachStepIsALoopPassThatWaitersSee) {
  std::atomic<int> steps{0};
  std::atomic<bool> seen{false};
  PeriodicTask task("counted", absl::Hours(1), [&] { steps.fetch_add(1); });
  task.Start();
  // Wakes until the waiter has seen its passes (wakes during a step coalesce into one).
  std::thread waker([&] {
    while (!seen.load()) {
      task.Wake();
      absl::SleepFor(absl::Milliseconds(5));
    }
  });
  EXPECT_TRUE(AwaitLoopPasses("counted", 3, absl::Seconds(20)));
  seen = true;
  waker.join();
  task.Stop();
  EXPECT_GE(steps.load(), 3);
  EXPECT_EQ(LoopPasses("counted"), steps.load()) << "one pass counted per step";
}

TEST(PeriodicTask, WakeRunsTheNextStepWithoutWaitingForTheInterval) {
  std::atomic<int> steps{0};
  absl::Notification second;
  PeriodicTask task("t", absl::Hours(1), [&] {
    if (steps.fetch_add(1) == 1) second.Notify();
  });
  task.Start();
  while (steps.load() == 0) absl::SleepFor(absl::Milliseconds(1));
  task.Wake();
  EXPECT_TRUE(second.WaitForNotificationWithTimeout(absl::Seconds(10)));
}

// A step that throws (a bug in a background loop's batch) is logged and the loop goes on: before,
// the exception left the thread and ended the process.
TEST(PeriodicTask, AStepThatThrowsDoesNotEndTheLoop) {
  std::atomic<int> steps{0};
  absl::Notification second;
  PeriodicTask task("t", absl::Hours(1), [&] {
    if (steps.fetch_add(1) == 0) throw std::runtime_error("a bad row");
    second.Notify();
  });
  task.Start();
  while (steps.load() == 0) absl::SleepFor(absl::Milliseconds(1));
  task.Wake();
  EXPECT_TRUE(second.WaitForNotificationWithTimeout(absl::Seconds(10)));
  EXPECT_EQ(steps.load(), 2);
}

// A step says when the next one is due; a WakeBy while a step runs (something arrived that the
// step did not see) is not lost when the step returns its own, later plan.
TEST(PeriodicTask, TheStepPlansTheNextAndAWakeByDuringAStepSurvivesIt) {
  std::atomic<int> steps{0};
  std::unique_ptr<PeriodicTask> task;
  task = std::make_unique<PeriodicTask>("planned", [&] {
    if (steps.fetch_add(1) == 0) task->WakeBy(absl::Now() + absl::Milliseconds(100));
    return absl::Now() + absl::Hours(1);
  });
  task->Start();
  // The second step comes from the wake made during the first, not an hour later.
  EXPECT_TRUE(testing::Eventually([] { return LoopPasses("planned") >= 2; }));
  // Then nothing woke it: the plan of an hour holds.
  EXPECT_TRUE(testing::Eventually(
      [&] { return task->NextWake() > absl::Now() + absl::Minutes(50); }, absl::Seconds(5)));
  task->Stop();
  EXPECT_EQ(steps.load(), 2);
}

}  // namespace
}  // namespace qms
