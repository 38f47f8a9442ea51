#include "common/loop_passes.h"

#include <map>

#include "absl/synchronization/mutex.h"
#include "common/monotonic_wait.h"

namespace qms {

namespace {

struct Passes {
  absl::Mutex mu;
  MonotonicCondVar counted;
  std::map<std::string, int64_t, std::less<>> by_loop ABSL_GUARDED_BY(mu);
};

Passes& Global() {
  static auto* passes = new Passes;
  return *passes;
}

}  // namespace

void CountLoopPass(absl::string_view loop) {
  Passes& p = Global();
  absl::MutexLock lock(&p.mu);
  auto it = p.by_loop.find(loop);
  if (it == p.by_loop.end()) it = p.by_loop.emplace(std::string(loop), 0).first;
  ++it->second;
  p.counted.NotifyAll();
}

int64_t LoopPasses(absl::string_view loop) {
  Passes& p = Global();
  absl::MutexLock lock(&p.mu);
  auto it = p.by_loop.find(loop);
  return it == p.by_loop.end() ? 0 : it->second;
}

std::vector<std::pair<std::string, int64_t>> AllLoopPasses() {
  Passes& p = Global();
  absl::MutexLock lock(&p.mu);
  return {p.by_loop.begin(), p.by_loop.end()};
}

bool AwaitLoopPasses(absl::string_view loop, int64_t more, absl::Duration timeout) {
  Passes& p = Global();
  absl::MutexLock lock(&p.mu);
  auto count = [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS {
    auto it = p.by_loop.find(loop);
    return it == p.by_loop.end() ? int64_t{0} : it->second;
  };
  const int64_t want = count() + more;
  return p.counted.WaitFor(p.mu, timeout,
                           [&]() ABSL_NO_THREAD_SAFETY_ANALYSIS { return count() >= want; });
}

}  // namespace qms
