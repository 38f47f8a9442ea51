#include "services/complaints/complaint_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/field_violations.h"
#include "common/resource_name.h"
#include "common/server/grpc_status.h"

namespace qms::complaints {
namespace {

using google::protobuf::Timestamp;
using server::ToGrpcStatus;

absl::Time FromProto(const Timestamp& t) {
  return absl::FromUnixSeconds(t.seconds()) + absl::Nanoseconds(t.nanos());
}

void ToProto(absl::Time t, Timestamp* out) {
  const int64_t seconds = absl::ToUnixSeconds(t);
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>((t - absl::FromUnixSeconds(seconds)) / absl::Nanoseconds(1)));
}

// Timestamps outside 0001..9999 or with bad nanos cannot be represented; say which field.
void CheckTimestamp(FieldViolations& v, const std::string& field, const Timestamp& t) {
  constexpr int64_t kMinSeconds = -62135596800;  // 0001-01-01T00:00:00Z
  constexpr int64_t kMaxSeconds = 253402300799;  // 9999-12-31T23:59:59Z
  if (t.seconds() < kMinSeconds || t.seconds() > kMaxSeconds || t.nanos() < 0 ||
      t.nanos() > 999999999) {
    v.Add(field, "is not a valid time");
  }
}

Channel FromProto(v1::Channel c) {
  switch (c) {
    case v1::WRITTEN:
      return Channel::kWritten;
    case v1::ORAL:
      return Channel::kOral;
    case v1::PHONE:
      return Channel::kPhone;
    case v1::EMAIL:
      return Channel::kEmail;
    default:
      return Channel::kUnspecified;
  }
}

v1::Channel ToProto(Channel c) {
  switch (c) {
    case Channel::kWritten:
      return v1::WRITTEN;
    case Channel::kOral:
      return v1::ORAL;
    case Channel::kPhone:
      return v1::PHONE;
    case Channel::kEmail:
      return v1::EMAIL;
    case Channel::kUnspecified:
      break;
  }
  return v1::CHANNEL_UNSPECIFIED;
}

v1::ComplaintStatus ToProto(ComplaintStatus s) {
  switch (s) {
    case ComplaintStatus::kReceived:
      return v1::RECEIVED;
  }
  return v1::COMPLAINT_STATUS_UNSPECIFIED;
}

std::optional<ComplaintStatus> FromProto(v1::ComplaintStatus s) {
  switch (s) {
    case v1::RECEIVED:
      return ComplaintStatus::kReceived;
    default:
      return std::nullopt;
  }
}

absl::StatusOr<Intake> IntakeFromProto(const v1::Complaint& p) {
  FieldViolations v;
  if (p.has_received_time()) CheckTimestamp(v, "complaint.received_time", p.received_time());
  if (p.has_customer_required_reply_time()) {
    CheckTimestamp(v, "complaint.customer_required_reply_time", p.customer_required_reply_time());
  }
  if (!v1::Channel_IsValid(p.channel())) v.Add("complaint.channel", "is not a known channel");
  if (!v.empty()) return v.ToStatus();
  Intake in;
  in.customer = p.customer();
  in.customer_contact = p.customer_contact();
  in.part_number = p.part_number();
  in.order_number = p.order_number();
  in.lot_number = p.lot_number();
  in.delivery_date = p.delivery_date();
  in.quantity_delivered = p.quantity_delivered();
  in.quantity_defective = p.quantity_defective();
  in.defect_code = p.defect_code();
  in.defect_description = p.defect_description();
  in.goods_returned = p.goods_returned();
  in.customer_production_affected = p.customer_production_affected();
  in.customer_delivery_affected = p.customer_delivery_affected();
  if (p.has_customer_required_reply_time()) {
    in.customer_required_reply_time = FromProto(p.customer_required_reply_time());
  }
  in.channel = FromProto(p.channel());
  if (p.has_received_time()) in.received_time = FromProto(p.received_time());
  return in;
}

void ComplaintToProto(const Complaint& c, v1::Complaint* p) {
  const Intake& in = c.intake;
  p->set_name(ResourceName(c));
  p->set_plant(c.plant);
  p->set_number(c.number);
  p->set_status(ToProto(c.status));
  p->set_customer(in.customer);
  p->set_customer_contact(in.customer_contact);
  p->set_part_number(in.part_number);
  p->set_order_number(in.order_number);
  p->set_lot_number(in.lot_number);
  p->set_delivery_date(in.delivery_date);
  p->set_quantity_delivered(in.quantity_delivered);
  p->set_quantity_defective(in.quantity_defective);
  p->set_defect_code(in.defect_code);
  p->set_defect_description(in.defect_description);
  p->set_goods_returned(in.goods_returned);
  p->set_customer_production_affected(in.customer_production_affected);
  p->set_customer_delivery_affected(in.customer_delivery_affected);
  if (in.customer_required_reply_time) {
    ToProto(*in.customer_required_reply_time, p->mutable_customer_required_reply_time());
  }
  p->set_channel(ToProto(in.channel));
  ToProto(in.received_time, p->mutable_received_time());
  p->set_etag(Etag(c));
  ToProto(c.create_time, p->mutable_create_time());
  ToProto(c.update_time, p->mutable_update_time());
}

}  // namespace

ComplaintServiceImpl::ComplaintServiceImpl(ComplaintStore& store) : store_(store) {}

grpc::Status ComplaintServiceImpl::CreateComplaint(grpc::ServerContext*,
                                                   const v1::CreateComplaintRequest* request,
                                                   v1::Complaint* response) {
  auto plant = ParsePlantParent("parent", request->parent());
  if (!plant.ok()) return ToGrpcStatus(plant.status());
  if (request->request_id().size() > kMaxRequestIdLength) {
    return ToGrpcStatus(
        InvalidField("request_id", absl::StrCat("is longer than ", kMaxRequestIdLength, " bytes")));
  }
  auto intake = IntakeFromProto(request->complaint());
  if (!intake.ok()) return ToGrpcStatus(intake.status());
  if (absl::Status valid = ValidateIntake(*intake, absl::Now()); !valid.ok()) {
    return ToGrpcStatus(valid);
  }
  auto created = store_.Create(*plant, *intake, request->request_id());
  if (!created.ok()) return ToGrpcStatus(created.status());
  ComplaintToProto(*created, response);
  return grpc::Status::OK;
}

grpc::Status ComplaintServiceImpl::GetComplaint(grpc::ServerContext*,
                                                const v1::GetComplaintRequest* request,
                                                v1::Complaint* response) {
  auto ids = ParseResourceName("name", request->name(), {"plants", "complaints"});
  if (!ids.ok()) return ToGrpcStatus(ids.status());
  auto complaint = store_.Get((*ids)[0], (*ids)[1]);
  if (!complaint.ok()) return ToGrpcStatus(complaint.status());
  ComplaintToProto(*complaint, response);
  return grpc::Status::OK;
}

grpc::Status ComplaintServiceImpl::ListComplaints(grpc::ServerContext*,
                                                  const v1::ListComplaintsRequest* request,
                                                  v1::ListComplaintsResponse* response) {
  FieldViolations v;
  auto plant = ParsePlantParent("parent", request->parent());
  if (!plant.ok()) return ToGrpcStatus(plant.status());
  ListQuery query;
  query.plant = *plant;
  if (request->page_size() < 0 || request->page_size() > 500) {
    v.Add("page_size", "must be between 0 and 500");
  }
  query.page_size = request->page_size() == 0 ? 50 : request->page_size();
  query.page_token = request->page_token();
  if (request->customer().size() > kMaxCodeLength) v.Add("customer", "is too long");
  query.customer = request->customer();
  if (request->status() != v1::COMPLAINT_STATUS_UNSPECIFIED) {
    query.status = FromProto(request->status());
    if (!query.status) v.Add("status", "is not a known status");
  }
  if (request->has_received_after()) {
    CheckTimestamp(v, "received_after", request->received_after());
    query.received_after = FromProto(request->received_after());
  }
  if (request->has_received_before()) {
    CheckTimestamp(v, "received_before", request->received_before());
    query.received_before = FromProto(request->received_before());
  }
  if (!v.empty()) return ToGrpcStatus(v.ToStatus());
  auto page = store_.List(query);
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const Complaint& c : page->complaints) ComplaintToProto(c, response->add_complaints());
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

}  // namespace qms::complaints
