// Numbers a plant prints (complaints, returns, samples, stock-takes ...): gap-free per plant and
// year. The counter table has (plant, year, last_sequence) with PRIMARY KEY (plant, year).
#ifndef QMS_COMMON_DB_NUMBERING_H_
#define QMS_COMMON_DB_NUMBERING_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/db/connection_pool.h"

namespace qms::db {

// Takes `count` consecutive numbers of `plant` and `year` in `table` (a batch of creates: 1 for
// one), inside the caller's transaction, and returns the last one taken (1 for a year's first
// single number). The counter row stays locked until the transaction commits, so a rolled-back
// create gives its numbers back and no number is skipped.
absl::StatusOr<int64_t> TakeNumbers(Connection& connection, const std::string& table,
                                    const std::string& plant, int year, int64_t count);

}  // namespace qms::db

#endif  // QMS_COMMON_DB_NUMBERING_H_
