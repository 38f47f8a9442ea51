// The gRPC face of the complaints service: parses names, converts between protobuf and the
// domain, delegates to the store, and maps statuses. No SQL and no rules here.
#ifndef QMS_SERVICES_COMPLAINTS_COMPLAINT_SERVICE_H_
#define QMS_SERVICES_COMPLAINTS_COMPLAINT_SERVICE_H_

#include "common/server/caller.h"
#include "qms/complaints/v1/complaints.grpc.pb.h"
#include "services/complaints/complaint_store.h"

namespace qms::complaints {

// Who may call each method (roles from common/auth/roles.h).
server::AccessTable ComplaintAccess();

class ComplaintServiceImpl final : public v1::ComplaintService::Service {
 public:
  explicit ComplaintServiceImpl(ComplaintStore& store);

  grpc::Status CreateComplaint(grpc::ServerContext* context,
                               const v1::CreateComplaintRequest* request,
                               v1::Complaint* response) override;
  grpc::Status GetComplaint(grpc::ServerContext* context, const v1::GetComplaintRequest* request,
                            v1::Complaint* response) override;
  grpc::Status ListComplaints(grpc::ServerContext* context,
                              const v1::ListComplaintsRequest* request,
                              v1::ListComplaintsResponse* response) override;

  grpc::Status TriageComplaint(grpc::ServerContext* context,
                               const v1::TriageComplaintRequest* request,
                               v1::Complaint* response) override;
  grpc::Status SubmitContainment(grpc::ServerContext* context,
                                 const v1::SubmitContainmentRequest* request,
                                 v1::Complaint* response) override;
  grpc::Status SubmitRootCause(grpc::ServerContext* context,
                               const v1::SubmitRootCauseRequest* request,
                               v1::Complaint* response) override;
  grpc::Status SubmitActions(grpc::ServerContext* context, const v1::SubmitActionsRequest* request,
                             v1::Complaint* response) override;
  grpc::Status WaivePreventiveAction(grpc::ServerContext* context,
                                     const v1::WaivePreventiveActionRequest* request,
                                     v1::Complaint* response) override;
  grpc::Status ApproveActions(grpc::ServerContext* context, const v1::DecideActionsRequest* request,
                              v1::Complaint* response) override;
  grpc::Status RejectActions(grpc::ServerContext* context, const v1::DecideActionsRequest* request,
                             v1::Complaint* response) override;
  grpc::Status ReplyToCustomer(grpc::ServerContext* context,
                               const v1::ReplyToCustomerRequest* request,
                               v1::Complaint* response) override;
  grpc::Status VerifyEffectiveness(grpc::ServerContext* context,
                                   const v1::VerifyEffectivenessRequest* request,
                                   v1::Complaint* response) override;
  grpc::Status RecordReturn(grpc::ServerContext* context, const v1::RecordReturnRequest* request,
                            v1::Complaint* response) override;
  grpc::Status ReopenComplaint(grpc::ServerContext* context,
                               const v1::ReopenComplaintRequest* request,
                               v1::Complaint* response) override;
  grpc::Status ListComplaintHistory(grpc::ServerContext* context,
                                    const v1::ListComplaintHistoryRequest* request,
                                    v1::ListComplaintHistoryResponse* response) override;
  grpc::Status GetComplaintStatistics(grpc::ServerContext* context,
                                      const v1::GetComplaintStatisticsRequest* request,
                                      v1::GetComplaintStatisticsResponse* response) override;
  grpc::Status GetReport(grpc::ServerContext* context, const v1::GetReportRequest* request,
                         v1::Report* response) override;

 private:
  // The shared body of every step RPC.
  grpc::Status Transit(grpc::ServerContext* context, const std::string& name,
                       const std::string& etag, const absl::StatusOr<Step>& step,
                       v1::Complaint* response);

  ComplaintStore& store_;
};

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_COMPLAINT_SERVICE_H_
