#include "clients/complaints/complaint_client.h"

#include "absl/strings/str_cat.h"
#include "qms/complaints/v1/complaints.grpc.pb.h"

namespace qms::clients {

namespace v1 = complaints::v1;

absl::StatusOr<ComplaintRef> ComplaintClient::Get(const std::string& plant,
                                                  const std::string& number) const {
  auto stub = v1::ComplaintService::NewStub(peer_.channel());
  grpc::ClientContext context;
  peer_.Prepare(context);
  v1::GetComplaintRequest request;
  request.set_name(absl::StrCat("plants/", plant, "/complaints/", number));
  v1::Complaint complaint;
  if (grpc::Status status = stub->GetComplaint(&context, request, &complaint); !status.ok()) {
    return ToAbsl(status);
  }
  ComplaintRef ref;
  ref.name = complaint.name();
  ref.plant = complaint.plant();
  ref.number = complaint.number();
  ref.customer = complaint.customer();
  ref.part_number = complaint.part_number();
  ref.status = v1::ComplaintStatus_Name(complaint.status());
  for (int reason : complaint.serious_reasons()) {
    ref.serious_reasons.push_back(v1::SeriousReason_Name(static_cast<v1::SeriousReason>(reason)));
  }
  return ref;
}

absl::Status ComplaintClient::RecordReturn(const std::string& complaint,
                                           const std::string& return_name) const {
  auto stub = v1::ComplaintService::NewStub(peer_.channel());
  grpc::ClientContext context;
  peer_.Prepare(context);
  v1::RecordReturnRequest request;
  request.set_name(complaint);
  request.set_return_name(return_name);
  v1::Complaint response;
  return ToAbsl(stub->RecordReturn(&context, request, &response));
}

}  // namespace qms::clients
