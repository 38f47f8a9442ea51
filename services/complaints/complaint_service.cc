#include "services/complaints/complaint_service.h"

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/auth/roles.h"
#include "common/field_violations.h"
#include "common/resource_name.h"
#include "common/server/handler.h"
#include "services/complaints/complaint_proto.h"
#include "services/complaints/report.h"
#include "services/complaints/statistics.h"

namespace qms::complaints {
namespace {

using server::Caller;
using server::Handle;
using server::PlantResource;

Actor ActorOf(const Caller& caller) { return Actor{caller.subject, caller.roles}; }

}  // namespace

server::AccessTable ComplaintAccess() {
  using namespace auth;  // NOLINT: the role names read better bare here
  const std::vector<std::string> investigators = {kQuality, kDepartment, kEngineering, kAdmin};
  return {
      {"CreateComplaint", {kSales, kQuality, kAdmin}},
      {"GetComplaint", server::Readers()},
      {"ListComplaints", server::Readers()},
      {"ListComplaintHistory", server::Readers()},
      {"GetComplaintStatistics", server::Readers()},
      {"GetReport", server::Readers()},
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
      // The returns service's relay, as itself.
      {"RecordReturn", {kService}},
  };
}

ComplaintServiceImpl::ComplaintServiceImpl(ComplaintStore& store) : store_(store) {}

grpc::Status ComplaintServiceImpl::CreateComplaint(grpc::ServerContext* context,
                                                   const v1::CreateComplaintRequest* request,
                                                   v1::Complaint* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const std::string plant,
                         server::AllowedPlantParent(caller, "parent", request->parent()));
    if (request->request_id().size() > kMaxRequestIdLength) {
      return InvalidField("request_id",
                          absl::StrCat("is longer than ", kMaxRequestIdLength, " bytes"));
    }
    QMS_ASSIGN_OR_RETURN(const Intake intake, IntakeFromProto(request->complaint()));
    QMS_RETURN_IF_ERROR(ValidateIntake(intake, absl::Now()));
    QMS_ASSIGN_OR_RETURN(const Complaint created,
                         store_.Create(plant, intake, request->request_id(), ActorOf(caller)));
    ComplaintToProto(created, response);
    return absl::OkStatus();
  });
}

grpc::Status ComplaintServiceImpl::GetComplaint(grpc::ServerContext* context,
                                                const v1::GetComplaintRequest* request,
                                                v1::Complaint* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const PlantResource r,
                         server::AllowedResource(caller, "name", request->name(), "complaints"));
    QMS_ASSIGN_OR_RETURN(const Complaint complaint, store_.Get(r.plant, r.id));
    ComplaintToProto(complaint, response);
    return absl::OkStatus();
  });
}

grpc::Status ComplaintServiceImpl::ListComplaints(grpc::ServerContext* context,
                                                  const v1::ListComplaintsRequest* request,
                                                  v1::ListComplaintsResponse* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    ListQuery query;
    QMS_ASSIGN_OR_RETURN(query.plant,
                         server::AllowedPlantParent(caller, "parent", request->parent()));
    FieldViolations v;
    query.page_size = server::PageSize(v, request->page_size());
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
    query.overdue_only = request->overdue_only();
    QMS_RETURN_IF_ERROR(v.ToStatus());
    QMS_ASSIGN_OR_RETURN(const ComplaintPage page, store_.List(query));
    for (const Complaint& c : page.complaints) ComplaintToProto(c, response->add_complaints());
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status ComplaintServiceImpl::Transit(grpc::ServerContext* context, const std::string& name,
                                           const std::string& etag,
                                           const absl::StatusOr<Step>& step,
                                           v1::Complaint* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const PlantResource r,
                         server::AllowedResource(caller, "name", name, "complaints"));
    QMS_RETURN_IF_ERROR(server::CheckEtag(etag));
    QMS_RETURN_IF_ERROR(step.status());
    QMS_ASSIGN_OR_RETURN(const Complaint after,
                         store_.ApplyStep(r.plant, r.id, etag, *step, ActorOf(caller)));
    ComplaintToProto(after, response);
    return absl::OkStatus();
  });
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

grpc::Status ComplaintServiceImpl::RecordReturn(grpc::ServerContext* context,
                                                const v1::RecordReturnRequest* request,
                                                v1::Complaint* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const PlantResource r,
                         server::AllowedResource(caller, "name", request->name(), "complaints"));
    auto ids = ParseResourceName("return_name", request->return_name(), {"plants", "returns"});
    if (!ids.ok()) return ids.status();
    if ((*ids)[0] != r.plant) {
      return InvalidField("return_name", "must be a return of the complaint's plant");
    }
    QMS_ASSIGN_OR_RETURN(
        const Complaint after,
        store_.ApplyStep(r.plant, r.id, "", RecordReturnStep{request->return_name()},
                         ActorOf(caller)));
    ComplaintToProto(after, response);
    return absl::OkStatus();
  });
}

grpc::Status ComplaintServiceImpl::ListComplaintHistory(
    grpc::ServerContext* context, const v1::ListComplaintHistoryRequest* request,
    v1::ListComplaintHistoryResponse* response) {
  return server::ListOfRecord(
      context, *request, "complaints", response,
      [this](const std::string& plant, const std::string& id, int page_size,
             const std::string& token) { return store_.History(plant, id, page_size, token); },
      [](const HistoryEntry& e, v1::HistoryEntry* out) { HistoryToProto(e, out); });
}

grpc::Status ComplaintServiceImpl::GetComplaintStatistics(
    grpc::ServerContext* context, const v1::GetComplaintStatisticsRequest* request,
    v1::GetComplaintStatisticsResponse* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const std::string plant,
                         server::AllowedPlantParent(caller, "parent", request->parent()));
    FieldViolations v;
    absl::CivilMonth from, to;
    if (!absl::ParseCivilTime(request->from_month(), &from)) {
      v.Add("from_month", "must be a month YYYY-MM");
    }
    if (!absl::ParseCivilTime(request->to_month(), &to)) {
      v.Add("to_month", "must be a month YYYY-MM");
    }
    if (v.empty() && (to < from || to - from >= 36)) {
      v.Add("to_month", "must be from from_month up to 36 months later");
    }
    if (request->customer().size() > kMaxCodeLength) v.Add("customer", "is too long");
    QMS_RETURN_IF_ERROR(v.ToStatus());
    QMS_ASSIGN_OR_RETURN(const std::vector<MonthlyFigures> figures,
                         store_.Statistics(plant, request->customer(), from, to));
    for (const MonthlyFigures& f : figures) {
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
    return absl::OkStatus();
  });
}

grpc::Status ComplaintServiceImpl::GetReport(grpc::ServerContext* context,
                                             const v1::GetReportRequest* request,
                                             v1::Report* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const PlantResource r,
                         server::AllowedResource(caller, "name", request->name(), "complaints"));
    QMS_ASSIGN_OR_RETURN(const Complaint complaint, store_.Get(r.plant, r.id));
    response->set_name(request->name());
    response->set_content_type("text/html; charset=utf-8");
    response->set_content(RenderReport(complaint, store_.ZoneOf(r.plant)));
    return absl::OkStatus();
  });
}

}  // namespace qms::complaints
