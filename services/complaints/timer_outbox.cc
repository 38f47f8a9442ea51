#include "services/complaints/timer_outbox.h"

#include "common/outbox.h"

namespace qms::complaints {

void EnqueueTimers(db::Connection& connection, const std::string& plant,
                   const std::vector<TimerCommand>& timers, absl::Time now) {
  std::vector<outbox::Message> messages;
  for (const TimerCommand& t : timers) {
    outbox::Message& m = messages.emplace_back();
    switch (t.kind) {
      case TimerCommand::Kind::kArm:
        m.kind = "arm";
        break;
      case TimerCommand::Kind::kDisarm:
        m.kind = "disarm";
        break;
      case TimerCommand::Kind::kEscalate:
        m.kind = "escalate";
        break;
    }
    m.plant = plant;
    m.subject = t.subject;
    m.policy = t.policy;
    if (t.kind != TimerCommand::Kind::kDisarm) m.start = t.start;
    m.due = t.due;
    m.detail = t.detail;
    m.customer = t.customer;
  }
  outbox::EnqueueAll(connection, messages, now);
}

}  // namespace qms::complaints
