// The outbox relay: delivers a service's committed outbox rows (see outbox.h) to the service
// that acts on them, with the row id as idempotency key.
//
// Each pass claims a batch of due rows in id order with FOR UPDATE SKIP LOCKED, so several
// replicas of a service relay at once without sending a row twice at the same time; hands them,
// in order, to `send` (which may group them into fewer calls); and deletes the sent ones in the
// same transaction. A crash after a send and before the commit sends that row again later,
// which is why receivers must be idempotent. The first failure ends the pass and is retried
// after an exponential backoff while the receiver is down or not yet configured for it
// (FAILED_PRECONDITION: e.g. a policy notifications does not know yet). A row the receiver
// rejects for good (INVALID_ARGUMENT, ...) is moved, in the same transaction, to the
// `outbox_dead` table (logged, counted in qms_outbox_relayed_total{result="rejected"} and in the
// qms_outbox_dead gauge), so it neither blocks later rows nor vanishes.
//
// Order: the order that matters is per subject (a timer's arm before its disarm). A row waits
// while an earlier row of its subject is in backoff, so within a relay a subject's rows go in id
// order; other subjects' rows go on. Across replicas it is not guaranteed (another replica may
// hold an earlier row of the subject under its claim), and receivers tolerate that: a disarm
// before its arm leaves a tombstone the arm honours.
//
// The sends happen inside the claiming transaction, holding the rows' locks for at most the
// callee's deadline (5 s, clients/peer.h): the delete then commits with the success, and a
// replica that dies mid-send releases its locks with its connection. Deliveries
// (services/notifications/delivery.h) claim, commit and send under a lease instead, because
// they go to receivers outside the suite, one slow call each.
#ifndef QMS_COMMON_OUTBOX_RELAY_H_
#define QMS_COMMON_OUTBOX_RELAY_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "common/db/connection_pool.h"
#include "common/outbox.h"
#include "common/periodic_task.h"

namespace prometheus {
class Registry;
class Counter;
class Gauge;
}  // namespace prometheus

namespace qms::outbox {

struct StoredMessage {
  int64_t id = 0;
  int attempts = 0;
  Message message;
};

// Whether the receiver refused a message for good (INVALID_ARGUMENT, ALREADY_EXISTS, NOT_FOUND,
// OUT_OF_RANGE, UNIMPLEMENTED): sending it again cannot succeed. FAILED_PRECONDITION is not:
// configuration can cure it.
bool IsPermanent(const absl::Status& status);

struct RelayOptions {
  int batch_size = 500;
  absl::Duration poll_interval = absl::Milliseconds(500);
  absl::Duration first_backoff = absl::Milliseconds(500);
  absl::Duration max_backoff = absl::Seconds(30);
  // While the relay is behind (full batches), the backlog gauge is recounted at most this often:
  // counting a large backlog on every pass slowed the passes that would shrink it.
  absl::Duration backlog_interval = absl::Seconds(1);
};

class Relay {
 public:
  // Sends `messages` in order and returns one status per message it tried, in order; it may stop
  // after the first that failed (the rest stay for a later pass).
  using Send = std::function<std::vector<absl::Status>(const std::vector<StoredMessage>& messages)>;

  // Registers qms_outbox_backlog, qms_outbox_dead and qms_outbox_relayed_total{result} in
  // `registry` when given.
  Relay(db::ConnectionPool& pool, Send send, RelayOptions options, prometheus::Registry* registry);

  void Start() { task_.Start(); }
  void Stop() { task_.Stop(); }
  void Wake() { task_.Wake(); }

  // One pass on the caller's thread: how many rows were delivered.
  absl::StatusOr<int> RunOnce();

 private:
  db::ConnectionPool& pool_;
  const Send send_;
  const RelayOptions options_;
  prometheus::Gauge* backlog_ = nullptr;
  prometheus::Gauge* dead_ = nullptr;
  prometheus::Counter* sent_ = nullptr;
  prometheus::Counter* failed_ = nullptr;
  prometheus::Counter* rejected_ = nullptr;
  absl::Time backlog_counted_ = absl::InfinitePast();  // passes never overlap
  PeriodicTask task_;
};

// One receiver of some of the outbox's kinds (notifications takes "arm", "disarm", "escalate").
// A subject's rows all go to one receiver, so that the per-subject order holds.
struct Receiver {
  std::vector<std::string> kinds;
  Relay::Send send;
};

// A Send over several receivers: each run of consecutive rows of one receiver goes to it in one
// call, in order; the first failure ends the batch (as a Send may). A row of a kind no receiver
// takes fails with FAILED_PRECONDITION: it waits, retried with backoff, for a configuration
// that has its receiver.
Relay::Send Route(std::vector<Receiver> receivers);

}  // namespace qms::outbox

#endif  // QMS_COMMON_OUTBOX_RELAY_H_
