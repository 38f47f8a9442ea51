#include "common/periodic_task.h"

#include <algorithm>
#include <exception>
#include <utility>

#include "common/logging.h"
#include "common/loop_passes.h"

namespace qms {

PeriodicTask::PeriodicTask(std::string name, std::function<absl::Time()> step)
    : name_(std::move(name)), step_(std::move(step)) {}

PeriodicTask::PeriodicTask(std::string name, absl::Duration interval, std::function<void()> step)
    : PeriodicTask(std::move(name), [interval, step = std::move(step)] {
        step();
        return absl::Now() + interval;
      }) {}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
  wake_at_ = absl::InfinitePast();
  thread_ = std::thread([this] { Loop(); });
}

void PeriodicTask::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    changed_.NotifyAll();
  }
  if (thread_.joinable()) thread_.join();
}

void PeriodicTask::WakeBy(absl::Time at) {
  absl::MutexLock lock(&mu_);
  woken_by_ = std::min(woken_by_, at);
  if (at < wake_at_) {
    wake_at_ = at;
    changed_.NotifyAll();
  }
}

absl::Time PeriodicTask::NextWake() {
  absl::MutexLock lock(&mu_);
  return wake_at_;
}

void PeriodicTask::Loop() {
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      // Until the wake time, which WakeBy may bring forward (waits are on the monotonic clock,
      // rechecked at least every second against the wall clock the wake time is on).
      while (!stopping_ && absl::Now() < wake_at_) {
        changed_.WaitFor(mu_, std::min(wake_at_ - absl::Now(), absl::Seconds(1)),
                         [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
                           return stopping_ || absl::Now() >= wake_at_;
                         });
      }
      if (stopping_) return;
      woken_by_ = absl::InfiniteFuture();
    }
    absl::Time next = absl::InfinitePast();
    // A step that throws is a bug in it; the loop logs it and carries on (after a second),
    // rather than let the exception end the process.
    try {
      next = step_();
    } catch (const std::exception& e) {
      spdlog::error("{}: a step threw: {}", name_, e.what());
      next = absl::Now() + absl::Seconds(1);
    } catch (...) {
      spdlog::error("{}: a step threw a non-exception", name_);
      next = absl::Now() + absl::Seconds(1);
    }
    CountLoopPass(name_);
    absl::MutexLock lock(&mu_);
    wake_at_ = std::min(next, woken_by_);
  }
}

}  // namespace qms
