// Every background loop of the process (PeriodicTask steps, the timer engine's passes) counts the
// passes it completed, by loop name. The count is a signal: a test that must show something did
// NOT happen waits until the loop that would have done it has passed again, instead of sleeping;
// operators read it as qms_loop_passes_total{loop} on /metrics (a stuck loop stops counting).
#ifndef QMS_COMMON_LOOP_PASSES_H_
#define QMS_COMMON_LOOP_PASSES_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace qms {

void CountLoopPass(absl::string_view loop);
int64_t LoopPasses(absl::string_view loop);
// Every loop that has passed at least once, with its count.
std::vector<std::pair<std::string, int64_t>> AllLoopPasses();
// Waits until `loop` has completed `more` passes after the call began; false after `timeout`.
bool AwaitLoopPasses(absl::string_view loop, int64_t more, absl::Duration timeout);

}  // namespace qms

#endif  // QMS_COMMON_LOOP_PASSES_H_
