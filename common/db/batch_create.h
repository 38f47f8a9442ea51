// How a store runs one group-committed batch of creates (common/group_commit.h) so that one
// create's fault reaches only that create:
//
//   - all of the batch in one transaction (`run_all`);
//   - when that fails for one item's data (ALREADY_EXISTS: another replica committed the same
//     request id meanwhile; INVALID_ARGUMENT), each item again on its own;
//   - a lone create that failed with ALREADY_EXISTS and has a request id is a retry another call
//     committed first: `answer` gives it that record (its own transaction rolled back, so it took
//     no number);
//   - otherwise every item gets the failure (`fail`).
//
// Item needs `request_id`; `answer(item)` reads the record made first into the item.
#ifndef QMS_COMMON_DB_BATCH_CREATE_H_
#define QMS_COMMON_DB_BATCH_CREATE_H_

#include <functional>
#include <vector>

#include "absl/status/status.h"

namespace qms::db {

template <class Item>
void RunBatchOfCreates(const std::vector<Item*>& batch,
                       const std::function<absl::Status(const std::vector<Item*>&)>& run_all,
                       const std::function<absl::Status(Item&)>& answer,
                       const std::function<void(Item&, const absl::Status&)>& fail) {
  absl::Status status = run_all(batch);
  if (status.ok()) return;
  if (batch.size() > 1 && (status.code() == absl::StatusCode::kAlreadyExists ||
                           status.code() == absl::StatusCode::kInvalidArgument)) {
    for (Item* item : batch) RunBatchOfCreates<Item>({item}, run_all, answer, fail);
    return;
  }
  Item& first = *batch.front();
  if (batch.size() == 1 && status.code() == absl::StatusCode::kAlreadyExists &&
      !first.request_id.empty()) {
    status = answer(first);
    if (status.ok()) return;
  }
  for (Item* item : batch) fail(*item, status);
}

}  // namespace qms::db

#endif  // QMS_COMMON_DB_BATCH_CREATE_H_
