// Conversions between the returns API (protobuf) and the domain. Enum values share their names on
// both sides. No gRPC: the intake fuzzer links this.
#ifndef QMS_SERVICES_RETURNS_RETURN_PROTO_H_
#define QMS_SERVICES_RETURNS_RETURN_PROTO_H_

#include "absl/status/statusor.h"
#include "qms/returns/v1/returns.pb.h"
#include "services/returns/lifecycle.h"
#include "services/returns/return.h"
#include "services/returns/return_store.h"
#include "services/returns/statistics.h"

namespace qms::returns {

// What a create asks for, in `plant` (not yet validated: ValidateNewReturn does).
Return DraftFromProto(const std::string& plant, const v1::Return& p);
// `now` decides "overdue".
void ReturnToProto(const Return& r, absl::Time now, v1::Return* p);
void HistoryToProto(const HistoryEntry& e, v1::HistoryEntry* p);
void FiguresToProto(const MonthlyFigures& f, v1::ReturnStatistics* p);

// The step a request asks for: INVALID_ARGUMENT naming the field for an enum value or timestamp
// out of range (the rest is the domain's to check).
absl::StatusOr<Step> StepFromProto(const v1::RecordReceiptRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::ConfirmQualityRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::ExplainToCustomerRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::DisposeLineRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::IssueReworkOrderRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::RecordReworkProgressRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::CloseReworkOrderRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::RequestUrgentProductionRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::ScheduleUrgentProductionRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::RecordAnalysisRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::ArchiveAnalysisRequest& r);
absl::StatusOr<Step> StepFromProto(const v1::CloseReturnRequest& r);

}  // namespace qms::returns

#endif  // QMS_SERVICES_RETURNS_RETURN_PROTO_H_
