// Numbers a plant prints (complaints, returns, samples, stock-takes ...): gap-free per plant and
// year. The counter table has (plant, year, last_sequence) with PRIMARY KEY (plant, year).
#ifndef QMS_COMMON_DB_NUMBERING_H_
#define QMS_COMMON_DB_NUMBERING_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "common/db/connection_pool.h"

namespace qms::db {

// Takes the next sequence of `plant` and `year` in `table`, inside the caller's transaction: the
// counter row stays locked until it commits, so a rolled-back create gives its number back and
// no number is skipped. 1 for a year's first.
absl::StatusOr<int64_t> TakeNumber(Connection& connection, const std::string& table,
                                   const std::string& plant, int year);
// Takes `count` consecutive numbers at once (a batch of creates): the last one taken.
absl::StatusOr<int64_t> TakeNumbers(Connection& connection, const std::string& table,
                                    const std::string& plant, int year, int64_t count);

}  // namespace qms::db

#endif  // QMS_COMMON_DB_NUMBERING_H_
