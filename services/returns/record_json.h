// A return's record (lines, receipts, rework orders, urgent production, analysis, explanation)
// as the JSON the `record` column holds; the columns hold the rest. Store layer.
#ifndef QMS_SERVICES_RETURNS_RECORD_JSON_H_
#define QMS_SERVICES_RETURNS_RECORD_JSON_H_

#include <string>

#include "absl/status/status.h"
#include "services/returns/lifecycle.h"
#include "services/returns/return.h"

namespace qms::returns {

std::string RecordToJson(const Return& r);
// Fills the record's parts of `r` from `json`; INTERNAL when it does not read (our own data).
absl::Status RecordFromJson(const std::string& json, Return& r);
// What a step asked for, as the history's details.
std::string StepDetails(const Step& step);

}  // namespace qms::returns

#endif  // QMS_SERVICES_RETURNS_RECORD_JSON_H_
