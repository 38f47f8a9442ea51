#include "common/periodic_task.h"

#include <exception>
#include <utility>

#include "common/logging.h"
#include "common/loop_passes.h"

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
    // A step that throws is a bug in it; the loop logs it and carries on, rather than let the
    // exception end the process.
    try {
      step_();
    } catch (const std::exception& e) {
      spdlog::error("{}: a step threw: {}", name_, e.what());
    } catch (...) {
      spdlog::error("{}: a step threw a non-exception", name_);
    }
    CountLoopPass(name_);
    absl::MutexLock lock(&mu_);
    changed_.WaitFor(mu_, interval_,
                     [this]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return StoppingOrWoken(); });
    if (stopping_) return;
    woken_ = false;
  }
}

}  // namespace qms
