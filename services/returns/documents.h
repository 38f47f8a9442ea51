// The documents a plant prints from a return: the warehouse's receipt (入库单) and a rework order
// (重工工令) with quality's instruction, each one self-contained, escaped HTML page with times in
// the plant's zone. Plain C++.
#ifndef QMS_SERVICES_RETURNS_DOCUMENTS_H_
#define QMS_SERVICES_RETURNS_DOCUMENTS_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/returns/return.h"

namespace qms::returns {

// NOT_FOUND when the return has no receipt with that number.
absl::StatusOr<std::string> ReceiptDocument(const Return& r, const std::string& receipt_number,
                                            absl::TimeZone zone);
// NOT_FOUND when the return has no such rework order.
absl::StatusOr<std::string> ReworkOrderDocument(const Return& r, int order, absl::TimeZone zone);

}  // namespace qms::returns

#endif  // QMS_SERVICES_RETURNS_DOCUMENTS_H_
