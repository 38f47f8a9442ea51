// A ceiling for a create's own write set: the statements a CreateComplaint batch issues and those
// its timers cost downstream, run by a minimal client straight against MariaDB — no gRPC, no
// service process. The complaints store itself (counter, serious-complaint counts, complaint,
// history and outbox rows, group-committed as the service does) on a database of its own, and an
// outbox relay in the same process whose sends arm the timers with the notification service's
// own timer store (the claim and delete of outbox rows, the timer and stage inserts). Beside the
// no-op RPC it gives the composite ceiling of a create (complaint_bench).
#ifndef QMS_TESTS_BENCH_WRITE_SET_H_
#define QMS_TESTS_BENCH_WRITE_SET_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/db/connection_pool.h"
#include "tests/bench/load.h"

namespace qms::bench {

struct WriteSetOptions {
  db::DatabaseOptions complaints;     // the complaints schema (migrated here)
  db::DatabaseOptions notifications;  // the notifications schema (migrated here)
  std::string policies_file;          // the complaints' timer policies
  size_t create_batch_max = 32;       // as the service's --create_batch_max
  int plants = 1;                     // creates spread over this many plants, as the RPC load
};

class WriteSet {
 public:
  static absl::StatusOr<std::unique_ptr<WriteSet>> Open(const WriteSetOptions& options);
  ~WriteSet();

  // `callers` creates in a closed loop for `duration`, the relay arming their timers meanwhile.
  LoadResult Run(int callers, absl::Duration warmup, absl::Duration duration);
  // Seconds until the relay has armed every timer the creates wrote (at most two minutes).
  double Drain();

  struct State;

 private:
  explicit WriteSet(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace qms::bench

#endif  // QMS_TESTS_BENCH_WRITE_SET_H_
