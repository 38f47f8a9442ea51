// Conversions between the complaints API (protobuf) and the domain types. Enum values share their
// names on both sides, so each converts by name.
#ifndef QMS_SERVICES_COMPLAINTS_COMPLAINT_PROTO_H_
#define QMS_SERVICES_COMPLAINTS_COMPLAINT_PROTO_H_

#include "absl/status/statusor.h"
#include "common/field_violations.h"
#include "common/proto_time.h"
#include "qms/complaints/v1/complaints.pb.h"
#include "services/complaints/complaint.h"
#include "services/complaints/complaint_store.h"
#include "services/complaints/lifecycle.h"

namespace qms::complaints {

using ::qms::CheckTimestamp;
using ::qms::FromProto;
using ::qms::IsValidTimestamp;
using ::qms::ToProto;

// INVALID_ARGUMENT naming the field for timestamps or enum values that cannot be represented.
absl::StatusOr<Intake> IntakeFromProto(const v1::Complaint& p);
void ComplaintToProto(const Complaint& c, v1::Complaint* p);
void HistoryToProto(const HistoryEntry& e, v1::HistoryEntry* p);

// The step a request asks for. INVALID_ARGUMENT for enum values out of range.
absl::StatusOr<Step> StepFromProto(const v1::TriageComplaintRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::SubmitContainmentRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::SubmitRootCauseRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::SubmitActionsRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::WaivePreventiveActionRequest& r);
absl::StatusOr<Step> ApproveFromProto(const v1::DecideActionsRequest& r);
absl::StatusOr<Step> RejectFromProto(const v1::DecideActionsRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::ReplyToCustomerRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::VerifyEffectivenessRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::ReopenComplaintRequest& r);

std::optional<ComplaintStatus> StatusFromProto(v1::ComplaintStatus s);

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_COMPLAINT_PROTO_H_
