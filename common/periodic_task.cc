#include "common/periodic_task.h"

#include <utility>

namespace qms {

PeriodicTask::PeriodicTask(std::string name, absl::Duration interval, std::function<void()> step)
    : name_(std::move(name)), interval_(interval), step_(std::move(step)) {}

PeriodicTask::~PeriodicTask() { Stop(); }

void PeriodicTask::Start() {
  absl::MutexLock lock(&mu_);
  if (thread_.joinable()) return;
  stopping_ = false;
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

void PeriodicTask::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
  changed_.NotifyAll();
}

void PeriodicTask::Loop() {
  while (true) {
    step_();
    absl::MutexLock lock(&mu_);
    changed_.WaitFor(mu_, interval_,
                     [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return StoppingOrWoken(); });
    if (stopping_) return;
    woken_ = false;
  }
}

}  // namespace qms
