#include "services/complaints/complaint_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/auth/roles.h"
#include "common/field_violations.h"
#include "common/resource_name.h"
#include "common/server/caller.h"
#include "common/server/grpc_status.h"
#include "services/complaints/complaint_proto.h"
#include "services/complaints/report.h"
#include "services/complaints/statistics.h"

namespace qms::complaints {
namespace {

using server::ToGrpcStatus;

constexpr int kDefaultPageSize = 50;
constexpr int kMaxPageSize = 500;

Actor ActorOf(const server::Caller& caller) { return Actor{caller.subject, caller.roles}; }

int PageSize(FieldViolations& v, int requested) {
  if (requested < 0 || requested > kMaxPageSize) {
    v.Add("page_size", absl::StrCat("must be between 0 and ", kMaxPageSize));
  }
  return requested == 0 ? kDefaultPageSize : requested;
}

std::vector<std::string> Readers() {
  return {std::begin(auth::kReaders), std::end(auth::kReaders)};
}

}  // namespace

server::AccessTable ComplaintAccess() {
  using namespace auth;  // NOLINT: the role names read better bare here
  const std::vector<std::string> investigators = {kQuality, kDepartment, kEngineering, kAdmin};
  return {
      {"CreateComplaint", {kSales, kQuality, kAdmin}},
      {"GetComplaint", Readers()},
      {"ListComplaints", Readers()},
      {"ListComplaintHistory", Readers()},
      {"GetComplaintStatistics", Readers()},
      {"GetReport", Readers()},
      {"TriageComplaint", {kQuality, kAdmin}},
      {"SubmitContainment", {kQuality, kDepartment, kSales, kAdmin}},
      {"SubmitRootCause", investigators},
      {"SubmitActions", investigators},
      // The domain checks the general manager role once more on these three.
      {"WaivePreventiveAction", {kGeneralManager}},
      {"ApproveActions", {kGeneralManager}},
      {"RejectActions", {kGeneralManager}},
      {"ReplyToCustomer", {kSales, kQuality, kAdmin}},
      {"VerifyEffectiveness", {kQuality, kAdmin}},
      {"ReopenComplaint", {kSales, kQuality, kAdmin}},
  };
}

ComplaintServiceImpl::ComplaintServiceImpl(ComplaintStore& store) : store_(store) {}

grpc::Status ComplaintServiceImpl::CreateComplaint(grpc::ServerContext* context,
                                                   const v1::CreateComplaintRequest* request,
                                                   v1::Complaint* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  auto plant = server::AllowedPlantParent(*caller, "parent", request->parent());
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
  auto created = store_.Create(*plant, *intake, request->request_id(), ActorOf(*caller));
  if (!created.ok()) return ToGrpcStatus(created.status());
  ComplaintToProto(*created, response);
  return grpc::Status::OK;
}

grpc::Status ComplaintServiceImpl::GetComplaint(grpc::ServerContext* context,
                                                const v1::GetComplaintRequest* request,
                                                v1::Complaint* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  auto ids = ParseResourceName("name", request->name(), {"plants", "complaints"});
  if (!ids.ok()) return ToGrpcStatus(ids.status());
  if (absl::Status s = server::CheckPlant(*caller, (*ids)[0]); !s.ok()) return ToGrpcStatus(s);
  auto complaint = store_.Get((*ids)[0], (*ids)[1]);
  if (!complaint.ok()) return ToGrpcStatus(complaint.status());
  ComplaintToProto(*complaint, response);
  return grpc::Status::OK;
}

grpc::Status ComplaintServiceImpl::ListComplaints(grpc::ServerContext* context,
                                                  const v1::ListComplaintsRequest* request,
                                                  v1::ListComplaintsResponse* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  auto plant = server::AllowedPlantParent(*caller, "parent", request->parent());
  if (!plant.ok()) return ToGrpcStatus(plant.status());
  FieldViolations v;
  ListQuery query;
  query.plant = *plant;
  query.page_size = PageSize(v, request->page_size());
  query.page_token = request->page_token();
  if (request->customer().size() > kMaxCodeLength) v.Add("customer", "is too long");
  query.customer = request->customer();
  if (request->status() != v1::COMPLAINT_STATUS_UNSPECIFIED) {
    query.status = StatusFromProto(request->status());
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

grpc::Status ComplaintServiceImpl::Transit(grpc::ServerContext* context, const std::string& name,
                                           const std::string& etag,
                                           const absl::StatusOr<Step>& step,
                                           v1::Complaint* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  auto ids = ParseResourceName("name", name, {"plants", "complaints"});
  if (!ids.ok()) return ToGrpcStatus(ids.status());
  if (absl::Status s = server::CheckPlant(*caller, (*ids)[0]); !s.ok()) return ToGrpcStatus(s);
  if (etag.size() > 32) return ToGrpcStatus(InvalidField("etag", "is not an etag of this API"));
  if (!step.ok()) return ToGrpcStatus(step.status());
  auto after = store_.ApplyStep((*ids)[0], (*ids)[1], etag, *step, ActorOf(*caller));
  if (!after.ok()) return ToGrpcStatus(after.status());
  ComplaintToProto(*after, response);
  return grpc::Status::OK;
}

grpc::Status ComplaintServiceImpl::TriageComplaint(grpc::ServerContext* context,
                                                   const v1::TriageComplaintRequest* request,
                                                   v1::Complaint* response) {
  return Transit(context, request->name(), request->etag(), StepFromProto(*request), response);
}

grpc::Status ComplaintServiceImpl::SubmitContainment(grpc::ServerContext* context,
                                                     const v1::SubmitContainmentRequest* request,
                                                     v1::Complaint* response) {
  return Transit(context, request->name(), request->etag(), StepFromProto(*request), response);
}

grpc::Status ComplaintServiceImpl::SubmitRootCause(grpc::ServerContext* context,
                                                   const v1::SubmitRootCauseRequest* request,
                                                   v1::Complaint* response) {
  return Transit(context, request->name(), request->etag(), StepFromProto(*request), response);
}

grpc::Status ComplaintServiceImpl::SubmitActions(grpc::ServerContext* context,
                                                 const v1::SubmitActionsRequest* request,
                                                 v1::Complaint* response) {
  return Transit(context, request->name(), request->etag(), StepFromProto(*request), response);
}

grpc::Status ComplaintServiceImpl::WaivePreventiveAction(
    grpc::ServerContext* context, const v1::WaivePreventiveActionRequest* request,
    v1::Complaint* response) {
  return Transit(context, request->name(), request->etag(), StepFromProto(*request), response);
}

grpc::Status ComplaintServiceImpl::ApproveActions(grpc::ServerContext* context,
                                                  const v1::DecideActionsRequest* request,
                                                  v1::Complaint* response) {
  return Transit(context, request->name(), request->etag(), ApproveFromProto(*request), response);
}

grpc::Status ComplaintServiceImpl::RejectActions(grpc::ServerContext* context,
                                                 const v1::DecideActionsRequest* request,
                                                 v1::Complaint* response) {
  return Transit(context, request->name(), request->etag(), RejectFromProto(*request), response);
}

grpc::Status ComplaintServiceImpl::ReplyToCustomer(grpc::ServerContext* context,
                                                   const v1::ReplyToCustomerRequest* request,
                                                   v1::Complaint* response) {
  return Transit(context, request->name(), request->etag(), StepFromProto(*request), response);
}

grpc::Status ComplaintServiceImpl::VerifyEffectiveness(
    grpc::ServerContext* context, const v1::VerifyEffectivenessRequest* request,
    v1::Complaint* response) {
  return Transit(context, request->name(), request->etag(), StepFromProto(*request), response);
}

grpc::Status ComplaintServiceImpl::ReopenComplaint(grpc::ServerContext* context,
                                                   const v1::ReopenComplaintRequest* request,
                                                   v1::Complaint* response) {
  return Transit(context, request->name(), request->etag(), StepFromProto(*request), response);
}

grpc::Status ComplaintServiceImpl::ListComplaintHistory(
    grpc::ServerContext* context, const v1::ListComplaintHistoryRequest* request,
    v1::ListComplaintHistoryResponse* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  auto ids = ParseResourceName("name", request->name(), {"plants", "complaints"});
  if (!ids.ok()) return ToGrpcStatus(ids.status());
  if (absl::Status s = server::CheckPlant(*caller, (*ids)[0]); !s.ok()) return ToGrpcStatus(s);
  FieldViolations v;
  const int page_size = PageSize(v, request->page_size());
  if (!v.empty()) return ToGrpcStatus(v.ToStatus());
  auto page = store_.History((*ids)[0], (*ids)[1], page_size, request->page_token());
  if (!page.ok()) return ToGrpcStatus(page.status());
  for (const auto& e : page->entries) HistoryToProto(e, response->add_entries());
  response->set_next_page_token(page->next_page_token);
  return grpc::Status::OK;
}

grpc::Status ComplaintServiceImpl::GetComplaintStatistics(
    grpc::ServerContext* context, const v1::GetComplaintStatisticsRequest* request,
    v1::GetComplaintStatisticsResponse* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  auto plant = server::AllowedPlantParent(*caller, "parent", request->parent());
  if (!plant.ok()) return ToGrpcStatus(plant.status());
  FieldViolations v;
  absl::CivilMonth from, to;
  if (!absl::ParseCivilTime(request->from_month(), &from)) {
    v.Add("from_month", "must be a month YYYY-MM");
  }
  if (!absl::ParseCivilTime(request->to_month(), &to)) v.Add("to_month", "must be a month YYYY-MM");
  if (v.empty() && (to < from || to - from >= 36)) {
    v.Add("to_month", "must be from from_month up to 36 months later");
  }
  if (request->customer().size() > kMaxCodeLength) v.Add("customer", "is too long");
  if (!v.empty()) return ToGrpcStatus(v.ToStatus());
  const absl::TimeZone zone = store_.ZoneOf(*plant);
  auto loaded = store_.ReceivedBetween(*plant, request->customer(), absl::FromCivil(from, zone),
                                       absl::FromCivil(to + 1, zone));
  if (!loaded.ok()) return ToGrpcStatus(loaded.status());
  for (const MonthlyFigures& f : MonthlyStatistics(loaded->first, zone, loaded->second)) {
    auto* row = response->add_rows();
    row->set_month(f.month);
    row->set_customer(f.customer);
    row->set_received(f.received);
    row->set_serious(f.serious);
    row->set_containment_due(f.containment_due);
    row->set_contained_on_time(f.contained_on_time);
    row->set_containment_on_time_rate(f.containment_on_time_rate());
    row->set_corrective_action_due(f.corrective_action_due);
    row->set_corrective_action_on_time(f.corrective_action_on_time);
    row->set_corrective_action_on_time_rate(f.corrective_action_on_time_rate());
    row->set_open(f.open);
    row->set_overdue(f.overdue);
  }
  return grpc::Status::OK;
}

grpc::Status ComplaintServiceImpl::GetReport(grpc::ServerContext* context,
                                             const v1::GetReportRequest* request,
                                             v1::Report* response) {
  auto caller = server::CallerOf(*context);
  if (!caller.ok()) return ToGrpcStatus(caller.status());
  auto ids = ParseResourceName("name", request->name(), {"plants", "complaints"});
  if (!ids.ok()) return ToGrpcStatus(ids.status());
  if (absl::Status s = server::CheckPlant(*caller, (*ids)[0]); !s.ok()) return ToGrpcStatus(s);
  auto complaint = store_.Get((*ids)[0], (*ids)[1]);
  if (!complaint.ok()) return ToGrpcStatus(complaint.status());
  response->set_name(request->name());
  response->set_content_type("text/html; charset=utf-8");
  response->set_content(RenderReport(*complaint, store_.ZoneOf((*ids)[0])));
  return grpc::Status::OK;
}

}  // namespace qms::complaints
