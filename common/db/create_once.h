// Creating a record at most once per request id (AIP-155), for every store: a repeat with the
// same request id and the same content (its fingerprint) is answered with the record made
// first; with other content it is ALREADY_EXISTS. The record's table holds UNIQUE (plant,
// request_id) and the fingerprint of what was asked.
//
//   return db::CreateOnce<AuditFinding>(pool_, request_id, fingerprint, "audit finding",
//       [&](db::Connection& c) { return FindByRequest(c, plant, request_id); },
//       [&](db::Connection& c) -> absl::StatusOr<AuditFinding> { ...insert...; return made; });
//
// `find(conn)` returns the record of the request id with its stored fingerprint, or nullopt;
// `create(conn)` inserts the record (with the request id, NULL when empty, and the fingerprint)
// and returns it. Both run in one transaction; when the insert breaks the key because a
// concurrent create with the same request id committed first, that record is read and answered
// the same way.
#ifndef QMS_COMMON_DB_CREATE_ONCE_H_
#define QMS_COMMON_DB_CREATE_ONCE_H_

#include <optional>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "common/db/connection_pool.h"
#include "common/db/transaction.h"
#include "common/status_macros.h"

namespace qms::db {

template <class T>
struct Fingerprinted {
  T record;
  std::string fingerprint;
};

template <class T, class Find, class Create>
absl::StatusOr<T> CreateOnce(ConnectionPool& pool, const std::string& request_id,
                             const std::string& fingerprint, const std::string& what, Find find,
                             Create create) {
  std::optional<T> out;
  // The record made first for this request id, if its content is the same.
  const auto answer = [&](Connection& c) -> absl::StatusOr<bool> {
    QMS_ASSIGN_OR_RETURN(std::optional<Fingerprinted<T>> found, find(c));
    if (!found) return false;
    if (found->fingerprint != fingerprint) {
      return absl::AlreadyExistsError(
          absl::StrCat("request_id ", request_id, " was used for a different ", what));
    }
    out = std::move(found->record);
    return true;
  };
  absl::Status status = RunInTransaction(pool, [&](Connection& c) -> absl::Status {
    if (!request_id.empty()) {
      QMS_ASSIGN_OR_RETURN(const bool answered, answer(c));
      if (answered) return absl::OkStatus();
    }
    QMS_ASSIGN_OR_RETURN(T made, create(c));
    out = std::move(made);
    return absl::OkStatus();
  });
  if (status.code() == absl::StatusCode::kAlreadyExists && !request_id.empty() && !out) {
    status = RunOnConnection(pool, [&](Connection& c) -> absl::Status {
      QMS_ASSIGN_OR_RETURN(const bool answered, answer(c));
      return answered ? absl::OkStatus()
                      : absl::InternalError(absl::StrCat("duplicate ", what, " key"));
    });
  }
  QMS_RETURN_IF_ERROR(status);
  return *std::move(out);
}

}  // namespace qms::db

#endif  // QMS_COMMON_DB_CREATE_ONCE_H_
