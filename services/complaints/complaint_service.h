// The gRPC face of the complaints service: validates requests, delegates to the store, and
// translates between protobuf and the domain. No SQL here.
#ifndef QMS_SERVICES_COMPLAINTS_COMPLAINT_SERVICE_H_
#define QMS_SERVICES_COMPLAINTS_COMPLAINT_SERVICE_H_

#include "qms/complaints/v1/complaints.grpc.pb.h"
#include "services/complaints/complaint_store.h"

namespace qms::complaints {

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

 private:
  ComplaintStore& store_;
};

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_COMPLAINT_SERVICE_H_
