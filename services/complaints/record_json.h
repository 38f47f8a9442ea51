// The 8D record of a complaint as the JSON text kept in complaints.record: readable with plain SQL
// by an auditor, and free to grow without a migration per field.
#ifndef QMS_SERVICES_COMPLAINTS_RECORD_JSON_H_
#define QMS_SERVICES_COMPLAINTS_RECORD_JSON_H_

#include <string>

#include "absl/status/status.h"
#include "services/complaints/complaint.h"

namespace qms::complaints {

// The 8D parts of `complaint` (triage through verifications) as JSON.
std::string RecordToJson(const Complaint& complaint);
// Fills the 8D parts of `complaint` from `json`; INTERNAL when it does not parse.
absl::Status RecordFromJson(const std::string& json, Complaint* complaint);

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_RECORD_JSON_H_
