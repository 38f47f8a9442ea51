// A record's append-only history as every store keeps it: one row per change with the action,
// the actor (the token's subject), the state before (none for the creation) and after by name,
// the time and what changed (JSON). The table's columns are id, action, actor, the two state
// columns, time and details; the record's key columns are the store's own.
#ifndef QMS_COMMON_DB_HISTORY_H_
#define QMS_COMMON_DB_HISTORY_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/db/rows.h"

namespace qms::db {

template <class State>
struct HistoryEntry {
  int64_t sequence = 0;
  std::string action;
  std::string actor;
  std::optional<State> from;  // none for the creation
  State to{};
  absl::Time time;
  std::string details;
};

template <class State>
struct HistoryPage {
  std::vector<HistoryEntry<State>> entries;
  std::string next_page_token;  // empty on the last page
};

// The current row of a history query, its states read from `from_column` and `to_column` by
// `parse`; INTERNAL for a state the domain does not know.
template <class State>
absl::StatusOr<HistoryEntry<State>> ReadHistoryEntry(
    Rows& rows, absl::string_view from_column, absl::string_view to_column,
    std::optional<State> (*parse)(absl::string_view)) {
  HistoryEntry<State> e;
  e.sequence = rows.Int64("id");
  e.action = rows.String("action");
  e.actor = rows.String("actor");
  e.from = parse(rows.String(from_column));
  const std::string to = rows.String(to_column);
  e.time = rows.Time("time");
  e.details = rows.String("details");
  if (!rows.status().ok()) return rows.status();
  const std::optional<State> parsed = parse(to);
  if (!parsed) return absl::InternalError(absl::StrCat("unknown state ", to, " in history"));
  e.to = *parsed;
  return e;
}

}  // namespace qms::db

#endif  // QMS_COMMON_DB_HISTORY_H_
