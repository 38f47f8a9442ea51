#include "services/returns/return_service.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "common/auth/roles.h"
#include "common/field_violations.h"
#include "common/proto_enum.h"
#include "common/resource_name.h"
#include "common/server/handler.h"
#include "services/returns/documents.h"
#include "services/returns/return_proto.h"
#include "services/returns/statistics.h"

namespace qms::returns {
namespace {

using server::Caller;
using server::Handle;
using server::PlantResource;

constexpr int kMaxStatisticsMonths = 36;

absl::StatusOr<absl::CivilMonth> ParseMonth(const std::string& field, const std::string& text) {
  absl::CivilMonth month;
  if (text.size() != 7 || !absl::ParseCivilTime(text, &month) || month.year() < 2000 ||
      month.year() > 2199) {
    return InvalidField(field, "must be a month YYYY-MM from 2000 on");
  }
  return month;
}

}  // namespace

server::AccessTable ReturnAccess() {
  using namespace auth;  // NOLINT: the role names read better bare here
  const std::vector<std::string> readers = server::Readers();
  return {
      {"CreateReturn", {kSales, kQuality, kWarehouse, kAdmin}},
      {"GetReturn", readers},
      {"ListReturns", readers},
      {"ListReturnHistory", readers},
      {"GetReturnStatistics", readers},
      {"GetReturnDocument", readers},
      // MES and scanners at the goods-in dock book receipts as the warehouse does.
      {"RecordReceipt", {kWarehouse, kPlantFloor, kAdmin}},
      {"ConfirmQuality", {kQuality, kAdmin}},
      {"ExplainToCustomer", {kSales, kAdmin}},
      {"DisposeLine", {kQuality, kAdmin}},
      {"IssueReworkOrder", {kProductionControl, kAdmin}},
      {"RecordReworkProgress", {kProductionControl, kQuality, kPlantFloor, kAdmin}},
      {"CloseReworkOrder", {kQuality, kAdmin}},
      {"RequestUrgentProduction", {kProductionControl, kSales, kAdmin}},
      {"ScheduleUrgentProduction", {kProductionControl, kAdmin}},
      {"RecordAnalysis", {kEngineering, kAdmin}},
      {"ArchiveAnalysis", {kQuality, kAdmin}},
      {"CloseReturn", {kQuality, kAdmin}},
  };
}

ReturnServiceImpl::ReturnServiceImpl(ReturnStore& store,
                                     std::shared_ptr<const clients::ComplaintClient> complaints)
    : store_(store), complaints_(std::move(complaints)) {}

absl::Status ReturnServiceImpl::CheckComplaint(const Return& draft) const {
  if (draft.bulk) return absl::OkStatus();  // never a complaint case: complaints is not asked
  if (complaints_ == nullptr) {
    return absl::FailedPreconditionError(
        "this returns service runs without --complaints_target: only bulk returns can be "
        "registered");
  }
  auto ids = ParseResourceName("return.complaint", draft.complaint, {"plants", "complaints"});
  if (!ids.ok()) return ids.status();
  absl::StatusOr<clients::ComplaintRef> complaint = complaints_->Get((*ids)[0], (*ids)[1]);
  if (absl::IsNotFound(complaint.status())) {
    return InvalidField("return.complaint", absl::StrCat(draft.complaint, " does not exist"));
  }
  if (!complaint.ok()) {
    return absl::Status(
        complaint.status().code(),
        absl::StrCat("the complaint could not be checked: ", complaint.status().message()));
  }
  if (complaint->customer != draft.customer) {
    return InvalidField("return.complaint",
                        absl::StrCat("is a complaint of customer ", complaint->customer,
                                     ", not of ", draft.customer));
  }
  return absl::OkStatus();
}

grpc::Status ReturnServiceImpl::CreateReturn(grpc::ServerContext* context,
                                             const v1::CreateReturnRequest* request,
                                             v1::Return* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const std::string plant,
                         server::AllowedPlantParent(caller, "parent", request->parent()));
    if (request->request_id().size() > kMaxRequestIdLength) {
      return InvalidField("request_id",
                          absl::StrCat("is longer than ", kMaxRequestIdLength, " bytes"));
    }
    const Return draft = DraftFromProto(plant, request->return_());
    QMS_RETURN_IF_ERROR(ValidateNewReturn(draft));
    QMS_RETURN_IF_ERROR(CheckComplaint(draft));
    QMS_ASSIGN_OR_RETURN(const Return created,
                         store_.Create(draft, request->request_id(), caller.subject));
    ReturnToProto(created, created.create_time, response);
    return absl::OkStatus();
  });
}

grpc::Status ReturnServiceImpl::GetReturn(grpc::ServerContext* context,
                                          const v1::GetReturnRequest* request,
                                          v1::Return* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const PlantResource r,
                         server::AllowedResource(caller, "name", request->name(), "returns"));
    QMS_ASSIGN_OR_RETURN(const Return found, store_.Get(r.plant, r.id));
    ReturnToProto(found, absl::Now(), response);
    return absl::OkStatus();
  });
}

grpc::Status ReturnServiceImpl::ListReturns(grpc::ServerContext* context,
                                            const v1::ListReturnsRequest* request,
                                            v1::ListReturnsResponse* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    ReturnQuery q;
    QMS_ASSIGN_OR_RETURN(q.plant, server::AllowedPlantParent(caller, "parent", request->parent()));
    FieldViolations v;
    q.page_size = server::PageSize(v, request->page_size());
    q.page_token = request->page_token();
    if (request->customer().size() > kMaxCodeLength) v.Add("customer", "is too long");
    q.customer = request->customer();
    if (request->part_number().size() > kMaxCodeLength) v.Add("part_number", "is too long");
    q.part_number = request->part_number();
    if (request->state() != v1::RETURN_STATE_UNSPECIFIED) {
      q.state = FromProtoEnum(request->state(), ReturnStateFromString);
      if (!q.state) v.Add("state", "is not a known state");
    }
    if (!request->complaint().empty()) {
      auto ids = ParseResourceName("complaint", request->complaint(), {"plants", "complaints"});
      if (!ids.ok() || (*ids)[0] != q.plant) {
        v.Add("complaint", "must be a complaint of the plant listed");
      }
      q.complaint = request->complaint();
    }
    switch (request->bulk()) {
      case v1::BULK_FILTER_UNSPECIFIED:
        break;
      case v1::ONLY_BULK:
        q.bulk = true;
        break;
      case v1::NOT_BULK:
        q.bulk = false;
        break;
      default:
        v.Add("bulk", "is not a known filter");
    }
    q.overdue_only = request->overdue_only();
    q.archived_analysis_only = request->archived_analysis_only();
    QMS_RETURN_IF_ERROR(v.ToStatus());
    QMS_ASSIGN_OR_RETURN(const ReturnPage page, store_.List(q));
    for (const Return& r : page.returns) ReturnToProto(r, page.now, response->add_returns());
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status ReturnServiceImpl::ListReturnHistory(grpc::ServerContext* context,
                                                  const v1::ListReturnHistoryRequest* request,
                                                  v1::ListReturnHistoryResponse* response) {
  return server::ListOfRecord(
      context, *request, "returns", response,
      [this](const std::string& plant, const std::string& id, int page_size,
             const std::string& token) { return store_.History(plant, id, page_size, token); },
      [](const HistoryEntry& e, v1::HistoryEntry* out) { HistoryToProto(e, out); });
}

template <class Request>
grpc::Status ReturnServiceImpl::Step(grpc::ServerContext* context, const Request& request,
                                     v1::Return* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const PlantResource r,
                         server::AllowedResource(caller, "name", request.name(), "returns"));
    QMS_RETURN_IF_ERROR(server::CheckEtag(request.etag()));
    QMS_ASSIGN_OR_RETURN(const returns::Step step, StepFromProto(request));
    QMS_ASSIGN_OR_RETURN(const Return after,
                         store_.ApplyStep(r.plant, r.id, request.etag(), step, caller.subject));
    ReturnToProto(after, after.update_time, response);
    return absl::OkStatus();
  });
}

grpc::Status ReturnServiceImpl::RecordReceipt(grpc::ServerContext* c,
                                              const v1::RecordReceiptRequest* r, v1::Return* out) {
  return Step(c, *r, out);
}
grpc::Status ReturnServiceImpl::ConfirmQuality(grpc::ServerContext* c,
                                               const v1::ConfirmQualityRequest* r,
                                               v1::Return* out) {
  return Step(c, *r, out);
}
grpc::Status ReturnServiceImpl::ExplainToCustomer(grpc::ServerContext* c,
                                                  const v1::ExplainToCustomerRequest* r,
                                                  v1::Return* out) {
  return Step(c, *r, out);
}
grpc::Status ReturnServiceImpl::DisposeLine(grpc::ServerContext* c, const v1::DisposeLineRequest* r,
                                            v1::Return* out) {
  return Step(c, *r, out);
}
grpc::Status ReturnServiceImpl::IssueReworkOrder(grpc::ServerContext* c,
                                                 const v1::IssueReworkOrderRequest* r,
                                                 v1::Return* out) {
  return Step(c, *r, out);
}
grpc::Status ReturnServiceImpl::RecordReworkProgress(grpc::ServerContext* c,
                                                     const v1::RecordReworkProgressRequest* r,
                                                     v1::Return* out) {
  return Step(c, *r, out);
}
grpc::Status ReturnServiceImpl::CloseReworkOrder(grpc::ServerContext* c,
                                                 const v1::CloseReworkOrderRequest* r,
                                                 v1::Return* out) {
  return Step(c, *r, out);
}
grpc::Status ReturnServiceImpl::RequestUrgentProduction(grpc::ServerContext* c,
                                                        const v1::RequestUrgentProductionRequest* r,
                                                        v1::Return* out) {
  return Step(c, *r, out);
}
grpc::Status ReturnServiceImpl::ScheduleUrgentProduction(
    grpc::ServerContext* c, const v1::ScheduleUrgentProductionRequest* r, v1::Return* out) {
  return Step(c, *r, out);
}
grpc::Status ReturnServiceImpl::RecordAnalysis(grpc::ServerContext* c,
                                               const v1::RecordAnalysisRequest* r,
                                               v1::Return* out) {
  return Step(c, *r, out);
}
grpc::Status ReturnServiceImpl::ArchiveAnalysis(grpc::ServerContext* c,
                                                const v1::ArchiveAnalysisRequest* r,
                                                v1::Return* out) {
  return Step(c, *r, out);
}
grpc::Status ReturnServiceImpl::CloseReturn(grpc::ServerContext* c, const v1::CloseReturnRequest* r,
                                            v1::Return* out) {
  return Step(c, *r, out);
}

grpc::Status ReturnServiceImpl::GetReturnStatistics(grpc::ServerContext* context,
                                                    const v1::GetReturnStatisticsRequest* request,
                                                    v1::GetReturnStatisticsResponse* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const std::string plant,
                         server::AllowedPlantParent(caller, "parent", request->parent()));
    QMS_ASSIGN_OR_RETURN(const absl::CivilMonth from,
                         ParseMonth("from_month", request->from_month()));
    QMS_ASSIGN_OR_RETURN(const absl::CivilMonth to, ParseMonth("to_month", request->to_month()));
    if (to < from) return InvalidField("to_month", "is before from_month");
    if (to - from >= kMaxStatisticsMonths) {
      return InvalidField("to_month", absl::StrCat("at most ", kMaxStatisticsMonths, " months"));
    }
    if (request->customer().size() > kMaxCodeLength) {
      return InvalidField("customer", "is too long");
    }
    const absl::TimeZone zone = store_.ZoneOf(plant);
    QMS_ASSIGN_OR_RETURN(
        const std::vector<Return> returns,
        store_.CreatedBetween(plant, request->customer(), absl::FromCivil(from, zone),
                              absl::FromCivil(to + 1, zone)));
    for (const MonthlyFigures& f : Summarize(returns, zone)) {
      FiguresToProto(f, response->add_rows());
    }
    return absl::OkStatus();
  });
}

grpc::Status ReturnServiceImpl::GetReturnDocument(grpc::ServerContext* context,
                                                  const v1::GetReturnDocumentRequest* request,
                                                  v1::ReturnDocument* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const PlantResource r,
                         server::AllowedResource(caller, "name", request->name(), "returns"));
    if (request->id().empty() || request->id().size() > kMaxCodeLength) {
      return InvalidField("id", "is required: the receipt number or the rework order's number");
    }
    int order = 0;
    if (request->kind() == v1::REWORK_ORDER && !absl::SimpleAtoi(request->id(), &order)) {
      return InvalidField("id", "a rework order is named by its number");
    }
    if (request->kind() != v1::RECEIPT && request->kind() != v1::REWORK_ORDER) {
      return InvalidField("kind", "is required: RECEIPT or REWORK_ORDER");
    }
    QMS_ASSIGN_OR_RETURN(const Return found, store_.Get(r.plant, r.id));
    const absl::TimeZone zone = store_.ZoneOf(r.plant);
    QMS_ASSIGN_OR_RETURN(std::string html, request->kind() == v1::RECEIPT
                                               ? ReceiptDocument(found, request->id(), zone)
                                               : ReworkOrderDocument(found, order, zone));
    response->set_name(request->name());
    response->set_content_type("text/html; charset=utf-8");
    response->set_content(std::move(html));
    return absl::OkStatus();
  });
}

}  // namespace qms::returns
