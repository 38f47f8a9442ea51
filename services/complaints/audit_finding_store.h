// All SQL for customer audit findings. One transaction per use case; each move writes its outbox
// rows in the same transaction.
#ifndef QMS_SERVICES_COMPLAINTS_AUDIT_FINDING_STORE_H_
#define QMS_SERVICES_COMPLAINTS_AUDIT_FINDING_STORE_H_

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/db/connection_pool.h"
#include "common/db/periods.h"
#include "services/complaints/audit_finding.h"

namespace qms::complaints {

struct FindingQuery {
  std::string plant;
  std::optional<FindingStatus> status;
  std::string customer;
  bool blacklisted_only = false;
  int page_size = 50;
  std::string page_token;
};

struct FindingPage {
  std::vector<AuditFinding> findings;
  std::string next_page_token;
  absl::Time now;  // the database time the page was read at (for blacklist flags)
};

class AuditFindingStore {
 public:
  explicit AuditFindingStore(db::ConnectionPool& pool);

  // Registers `finding` (validated; raised_time InfinitePast = now) and arms its timer.
  // Idempotent by request_id like complaints: same content returns the first, other content is
  // ALREADY_EXISTS.
  absl::StatusOr<AuditFinding> Create(const AuditFinding& finding, const std::string& request_id);
  absl::StatusOr<AuditFinding> Get(const std::string& plant, int64_t id);
  absl::StatusOr<FindingPage> List(const FindingQuery& query);

  using Move = std::function<absl::StatusOr<FindingOutcome>(const AuditFinding&, absl::Time now)>;
  // Applies `move` under a row lock, guarded by `etag` when given (ABORTED when stale).
  absl::StatusOr<AuditFinding> Apply(const std::string& plant, int64_t id, const std::string& etag,
                                     const Move& move);

  // The counts of `plant`'s findings raised in each of `periods`, by the database (periods
  // without findings left out).
  absl::StatusOr<std::vector<PeriodSummary>> Summary(const std::string& plant,
                                                     const db::Periods& periods);

 private:
  db::ConnectionPool& pool_;
};

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_AUDIT_FINDING_STORE_H_
