#include "common/outbox_relay.h"

#include <cppconn/prepared_statement.h>
#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <algorithm>
#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/db/rows.h"
#include "common/db/sql_time.h"
#include "common/db/transaction.h"
#include "common/logging.h"

namespace qms::outbox {

bool IsPermanent(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kNotFound:
    case absl::StatusCode::kOutOfRange:
    case absl::StatusCode::kUnimplemented:
      return true;
    default:
      return false;
  }
}

Relay::Relay(db::ConnectionPool& pool, Send send, RelayOptions options,
             prometheus::Registry* registry)
    : pool_(pool),
      send_(std::move(send)),
      options_(options),
      task_("outbox-relay", options.poll_interval, [this] {
        absl::StatusOr<int> sent = RunOnce();
        if (!sent.ok()) spdlog::warn("outbox relay pass failed: {}", sent.status().ToString());
      }) {
  if (registry != nullptr) {
    backlog_ = &prometheus::BuildGauge()
                    .Name("qms_outbox_backlog")
                    .Help("Outbox rows committed and not yet delivered")
                    .Register(*registry)
                    .Add({});
    dead_ = &prometheus::BuildGauge()
                 .Name("qms_outbox_dead")
                 .Help("Outbox rows the receiver refused for good, kept in outbox_dead")
                 .Register(*registry)
                 .Add({});
    auto& relayed = prometheus::BuildCounter()
                        .Name("qms_outbox_relayed_total")
                        .Help("Outbox rows sent by the relay, by result")
                        .Register(*registry);
    sent_ = &relayed.Add({{"result", "delivered"}});
    failed_ = &relayed.Add({{"result", "failed"}});
    rejected_ = &relayed.Add({{"result", "rejected"}});
  }
}

absl::StatusOr<int> Relay::RunOnce() {
  std::vector<int64_t> delivered;  // sent, or refused for good: done with either way
  size_t rejected = 0;
  int64_t backlog = 0;
  int64_t dead = 0;
  absl::Status st = db::RunInTransaction(pool_, [&](db::Connection& conn) -> absl::Status {
    delivered.clear();
    rejected = 0;
    sql::PreparedStatement& claim = conn.Prepare(
        "SELECT id, kind, plant, subject, policy, start_time, due_time, detail, attempts, customer "
        "FROM outbox o WHERE next_attempt_time <= NOW(6) AND NOT EXISTS (SELECT 1 FROM outbox e "
        "WHERE e.subject = o.subject AND e.id < o.id AND e.next_attempt_time > NOW(6)) "
        "ORDER BY id LIMIT ? FOR UPDATE SKIP LOCKED");
    claim.setInt(1, options_.batch_size);
    std::vector<StoredMessage> batch;
    {
      db::Rows rows(claim.executeQuery());
      while (rows.Next()) {
        StoredMessage m;
        m.id = rows.Int64("id");
        m.message.kind = rows.String("kind");
        m.message.plant = rows.String("plant");
        m.message.subject = rows.String("subject");
        m.message.policy = rows.String("policy");
        m.message.start = rows.OptionalTime("start_time");
        m.message.due = rows.OptionalTime("due_time");
        m.message.detail = rows.String("detail");
        m.attempts = rows.Int("attempts");
        m.message.customer = rows.String("customer");
        batch.push_back(std::move(m));
      }
      if (!rows.status().ok()) return rows.status();
    }
    const std::vector<absl::Status> results =
        batch.empty() ? std::vector<absl::Status>{} : send_(batch);
    for (size_t i = 0; i < results.size() && i < batch.size(); ++i) {
      const StoredMessage& m = batch[i];
      const absl::Status& sent = results[i];
      if (sent.ok()) {
        delivered.push_back(m.id);
        continue;
      }
      if (IsPermanent(sent)) {
        // The receiver will never take it: retrying would hold every later row back forever,
        // dropping it would lose a deadline. It is kept as dead, for an operator to see and
        // replay.
        spdlog::error("outbox row id={} kind={} subject={} rejected, kept as dead: {}", m.id,
                      m.message.kind, m.message.subject, sent.ToString());
        sql::PreparedStatement& keep = conn.Prepare(
            "INSERT INTO outbox_dead (id, kind, plant, subject, policy, start_time, due_time, "
            "detail, customer, create_time, attempts, dead_time, error) "
            "SELECT id, kind, plant, subject, policy, start_time, due_time, detail, customer, "
            "create_time, attempts + 1, NOW(6), ? FROM outbox WHERE id = ?");
        keep.setString(1, sent.ToString().substr(0, 1024));
        keep.setInt64(2, m.id);
        keep.executeUpdate();
        ++rejected;
        delivered.push_back(m.id);
        continue;
      }
      const absl::Duration backoff =
          std::min(options_.max_backoff, options_.first_backoff * (1 << std::min(m.attempts, 16)));
      spdlog::warn("outbox row id={} kind={} attempt={} not delivered: {}", m.id, m.message.kind,
                   m.attempts + 1, sent.ToString());
      if (failed_) failed_->Increment();
      sql::PreparedStatement& retry = conn.Prepare(
          "UPDATE outbox SET attempts = attempts + 1, "
          "next_attempt_time = NOW(6) + INTERVAL ? MICROSECOND WHERE id = ?");
      retry.setInt64(1, absl::ToInt64Microseconds(backoff));
      retry.setInt64(2, m.id);
      retry.executeUpdate();
      break;
    }
    if (!delivered.empty()) {
      conn.Execute(
          absl::StrCat("DELETE FROM outbox WHERE id IN (", absl::StrJoin(delivered, ","), ")"));
    }
    return absl::OkStatus();
  });
  if (!st.ok()) return st;
  if (sent_) sent_->Increment(static_cast<double>(delivered.size() - rejected));
  if (rejected_) rejected_->Increment(static_cast<double>(rejected));
  // The backlog gauge, outside the claim's transaction. Counted after every pass that caught up
  // (cheap: few rows left), else at most every backlog_interval.
  const bool full = static_cast<int>(delivered.size()) >= options_.batch_size;
  const absl::Time now = absl::Now();
  if (full && now - backlog_counted_ < options_.backlog_interval) {
    task_.Wake();
    return static_cast<int>(delivered.size());
  }
  backlog_counted_ = now;
  absl::Status counted = db::RunOnConnection(pool_, [&](db::Connection& conn) -> absl::Status {
    db::Rows rows(conn.Prepare("SELECT (SELECT COUNT(*) FROM outbox) AS backlog, "
                               "(SELECT COUNT(*) FROM outbox_dead) AS dead")
                      .executeQuery());
    if (rows.Next()) {
      backlog = rows.Int64("backlog");
      dead = rows.Int64("dead");
    }
    return rows.status();
  });
  if (counted.ok() && backlog_) backlog_->Set(static_cast<double>(backlog));
  if (counted.ok() && dead_) dead_->Set(static_cast<double>(dead));
  // A full batch: there is more to send now.
  if (full) task_.Wake();
  return static_cast<int>(delivered.size());
}

Relay::Send Route(std::vector<Receiver> receivers) {
  return [receivers = std::move(receivers)](const std::vector<StoredMessage>& messages) {
    const auto receiver_of = [&receivers](const std::string& kind) -> const Receiver* {
      for (const Receiver& r : receivers) {
        if (std::find(r.kinds.begin(), r.kinds.end(), kind) != r.kinds.end()) return &r;
      }
      return nullptr;
    };
    std::vector<absl::Status> results;
    size_t i = 0;
    while (i < messages.size()) {
      const Receiver* to = receiver_of(messages[i].message.kind);
      if (to == nullptr) {
        results.push_back(absl::FailedPreconditionError(
            absl::StrCat("no receiver is configured for outbox kind ", messages[i].message.kind)));
        return results;
      }
      size_t end = i + 1;
      while (end < messages.size() && receiver_of(messages[end].message.kind) == to) ++end;
      const std::vector<StoredMessage> run(messages.begin() + static_cast<ptrdiff_t>(i),
                                           messages.begin() + static_cast<ptrdiff_t>(end));
      const std::vector<absl::Status> sent = to->send(run);
      results.insert(results.end(), sent.begin(), sent.end());
      const bool all_ok = sent.size() == run.size() &&
                          std::all_of(sent.begin(), sent.end(), [](const absl::Status& s) {
                            return s.ok() || IsPermanent(s);
                          });
      if (!all_ok) return results;
      i = end;
    }
    return results;
  };
}

}  // namespace qms::outbox
