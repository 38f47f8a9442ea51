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
  }
  if (thread_.joinable()) thread_.join();
}

void PeriodicTask::Wake() {
  absl::MutexLock lock(&mu_);
  woken_ = true;
}

void PeriodicTask::Loop() {
  while (true) {
    step_();
    absl::MutexLock lock(&mu_);
    mu_.AwaitWithTimeout(absl::Condition(this, &PeriodicTask::StoppingOrWoken), interval_);
    if (stopping_) return;
    woken_ = false;
  }
}

}  // namespace qms
