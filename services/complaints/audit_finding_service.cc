#include "services/complaints/audit_finding_service.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "common/auth/roles.h"
#include "common/field_violations.h"
#include "common/server/handler.h"
#include "services/complaints/complaint_proto.h"

namespace qms::complaints {
namespace {

using server::Caller;
using server::Handle;

v1::FindingStatus FindingStatusToProto(FindingStatus s) {
  switch (s) {
    case FindingStatus::kOpen:
      return v1::FINDING_OPEN;
    case FindingStatus::kContained:
      return v1::FINDING_CONTAINED;
    case FindingStatus::kAnalyzed:
      return v1::FINDING_ANALYZED;
    case FindingStatus::kClosed:
      return v1::FINDING_CLOSED;
  }
  return v1::FINDING_STATUS_UNSPECIFIED;
}

std::optional<FindingStatus> FindingStatusFromProto(v1::FindingStatus s) {
  switch (s) {
    case v1::FINDING_OPEN:
      return FindingStatus::kOpen;
    case v1::FINDING_CONTAINED:
      return FindingStatus::kContained;
    case v1::FINDING_ANALYZED:
      return FindingStatus::kAnalyzed;
    case v1::FINDING_CLOSED:
      return FindingStatus::kClosed;
    default:
      return std::nullopt;
  }
}

void FindingToProto(const AuditFinding& f, absl::Time now, v1::AuditFinding* p) {
  p->set_name(ResourceName(f));
  p->set_plant(f.plant);
  p->set_status(FindingStatusToProto(f.status));
  p->set_customer(f.customer);
  p->set_audited_area(f.audited_area);
  p->set_finding(f.finding);
  p->set_owner(f.owner);
  ToProto(f.raised_time, p->mutable_raised_time());
  p->set_countermeasure(f.countermeasure);
  if (f.countermeasure_time) ToProto(*f.countermeasure_time, p->mutable_countermeasure_time());
  p->set_root_cause(f.root_cause);
  p->set_long_term_action(f.long_term_action);
  if (f.analysis_time) ToProto(*f.analysis_time, p->mutable_analysis_time());
  p->set_closing_notes(f.closing_notes);
  if (f.close_time) ToProto(*f.close_time, p->mutable_close_time());
  ToProto(DueTime(f, FindingStage::kCountermeasure), p->mutable_countermeasure_due_time());
  ToProto(DueTime(f, FindingStage::kAnalysis), p->mutable_analysis_due_time());
  ToProto(DueTime(f, FindingStage::kClosure), p->mutable_close_due_time());
  for (FindingStage s : LateStages(f, now)) p->add_late_stages(std::string(ToString(s)));
  p->set_blacklisted(p->late_stages_size() > 0);
  p->set_etag(absl::StrCat(f.version));
  ToProto(f.create_time, p->mutable_create_time());
  ToProto(f.update_time, p->mutable_update_time());
}

// The finding a request names, in a plant the caller may act in: plant and id.
absl::StatusOr<std::pair<std::string, int64_t>> AllowedFinding(const Caller& caller,
                                                               const std::string& name) {
  QMS_ASSIGN_OR_RETURN(server::PlantResource r,
                       server::AllowedResource(caller, "name", name, "auditFindings"));
  int64_t id = 0;
  if (!absl::SimpleAtoi(r.id, &id) || id <= 0) {
    return InvalidField("name", "the finding id must be a positive number");
  }
  return std::make_pair(std::move(r.plant), id);
}

}  // namespace

server::AccessTable AuditFindingAccess() {
  using namespace auth;  // NOLINT
  const std::vector<std::string> readers = server::Readers();
  const std::vector<std::string> responders = {kQuality, kDepartment, kEngineering, kAdmin};
  return {
      {"CreateAuditFinding", {kQuality, kAdmin}},
      {"GetAuditFinding", readers},
      {"ListAuditFindings", readers},
      {"GetAuditSummary", readers},
      {"SubmitAuditCountermeasure", responders},
      {"SubmitAuditAnalysis", responders},
      {"CloseAuditFinding", {kQuality, kAdmin}},
  };
}

AuditFindingServiceImpl::AuditFindingServiceImpl(
    AuditFindingStore& store, std::function<absl::TimeZone(absl::string_view)> zone_of)
    : store_(store), zone_of_(std::move(zone_of)) {}

grpc::Status AuditFindingServiceImpl::CreateAuditFinding(
    grpc::ServerContext* context, const v1::CreateAuditFindingRequest* request,
    v1::AuditFinding* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    AuditFinding f;
    QMS_ASSIGN_OR_RETURN(f.plant, server::AllowedPlantParent(caller, "parent", request->parent()));
    if (request->request_id().size() > kMaxRequestIdLength) {
      return InvalidField("request_id", "is too long");
    }
    const v1::AuditFinding& in = request->finding();
    f.customer = in.customer();
    f.audited_area = in.audited_area();
    f.finding = in.finding();
    f.owner = in.owner();
    f.raised_time = absl::InfinitePast();
    if (in.has_raised_time()) {
      if (!IsValidTimestamp(in.raised_time())) {
        return InvalidField("finding.raised_time", "is not a valid time");
      }
      f.raised_time = FromProto(in.raised_time());
    }
    const absl::Time now = absl::Now();
    QMS_RETURN_IF_ERROR(ValidateNewFinding(f, now));
    QMS_ASSIGN_OR_RETURN(const AuditFinding created, store_.Create(f, request->request_id()));
    FindingToProto(created, now, response);
    return absl::OkStatus();
  });
}

grpc::Status AuditFindingServiceImpl::GetAuditFinding(grpc::ServerContext* context,
                                                      const v1::GetAuditFindingRequest* request,
                                                      v1::AuditFinding* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const auto finding, AllowedFinding(caller, request->name()));
    QMS_ASSIGN_OR_RETURN(const AuditFinding found, store_.Get(finding.first, finding.second));
    FindingToProto(found, absl::Now(), response);
    return absl::OkStatus();
  });
}

grpc::Status AuditFindingServiceImpl::ListAuditFindings(grpc::ServerContext* context,
                                                        const v1::ListAuditFindingsRequest* request,
                                                        v1::ListAuditFindingsResponse* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    FindingQuery q;
    QMS_ASSIGN_OR_RETURN(q.plant, server::AllowedPlantParent(caller, "parent", request->parent()));
    FieldViolations v;
    q.page_size = server::PageSize(v, request->page_size());
    q.page_token = request->page_token();
    if (request->status() != v1::FINDING_STATUS_UNSPECIFIED) {
      q.status = FindingStatusFromProto(request->status());
      if (!q.status) v.Add("status", "is not a known status");
    }
    if (request->customer().size() > kMaxCodeLength) v.Add("customer", "is too long");
    q.customer = request->customer();
    q.blacklisted_only = request->blacklisted_only();
    QMS_RETURN_IF_ERROR(v.ToStatus());
    QMS_ASSIGN_OR_RETURN(const auto page, store_.List(q));
    for (const auto& f : page.findings) FindingToProto(f, page.now, response->add_findings());
    response->set_next_page_token(page.next_page_token);
    return absl::OkStatus();
  });
}

grpc::Status AuditFindingServiceImpl::Move(grpc::ServerContext* context, const std::string& name,
                                           const std::string& etag,
                                           const AuditFindingStore::Move& move,
                                           v1::AuditFinding* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const auto finding, AllowedFinding(caller, name));
    QMS_RETURN_IF_ERROR(server::CheckEtag(etag));
    QMS_ASSIGN_OR_RETURN(const AuditFinding after,
                         store_.Apply(finding.first, finding.second, etag, move));
    FindingToProto(after, after.update_time, response);
    return absl::OkStatus();
  });
}

grpc::Status AuditFindingServiceImpl::SubmitAuditCountermeasure(
    grpc::ServerContext* context, const v1::SubmitAuditCountermeasureRequest* request,
    v1::AuditFinding* response) {
  return Move(
      context, request->name(), request->etag(),
      [&](const AuditFinding& f, absl::Time now) {
        return SubmitCountermeasure(f, request->countermeasure(), now);
      },
      response);
}

grpc::Status AuditFindingServiceImpl::SubmitAuditAnalysis(
    grpc::ServerContext* context, const v1::SubmitAuditAnalysisRequest* request,
    v1::AuditFinding* response) {
  return Move(
      context, request->name(), request->etag(),
      [&](const AuditFinding& f, absl::Time now) {
        return SubmitAnalysis(f, request->root_cause(), request->long_term_action(), now);
      },
      response);
}

grpc::Status AuditFindingServiceImpl::CloseAuditFinding(grpc::ServerContext* context,
                                                        const v1::CloseAuditFindingRequest* request,
                                                        v1::AuditFinding* response) {
  return Move(
      context, request->name(), request->etag(),
      [&](const AuditFinding& f, absl::Time now) {
        return CloseFinding(f, request->closing_notes(), now);
      },
      response);
}

grpc::Status AuditFindingServiceImpl::GetAuditSummary(grpc::ServerContext* context,
                                                      const v1::GetAuditSummaryRequest* request,
                                                      v1::GetAuditSummaryResponse* response) {
  return Handle(context, [&](const Caller& caller) -> absl::Status {
    QMS_ASSIGN_OR_RETURN(const std::string plant,
                         server::AllowedPlantParent(caller, "parent", request->parent()));
    FieldViolations v;
    db::PeriodKind period = db::PeriodKind::kMonth;
    switch (request->period()) {
      case v1::MONTH:
        period = db::PeriodKind::kMonth;
        break;
      case v1::QUARTER:
        period = db::PeriodKind::kQuarter;
        break;
      case v1::YEAR:
        period = db::PeriodKind::kYear;
        break;
      default:
        v.Add("period", "must be MONTH, QUARTER or YEAR");
    }
    if (!request->has_raised_after() || !IsValidTimestamp(request->raised_after())) {
      v.Add("raised_after", "is required");
    }
    if (!request->has_raised_before() || !IsValidTimestamp(request->raised_before())) {
      v.Add("raised_before", "is required");
    }
    QMS_RETURN_IF_ERROR(v.ToStatus());
    const absl::Time from = FromProto(request->raised_after());
    const absl::Time to = FromProto(request->raised_before());
    if (to <= from || to - from > absl::Hours(24 * 366 * 5)) {
      return InvalidField("raised_before", "must be after raised_after, within 5 years");
    }
    QMS_ASSIGN_OR_RETURN(
        const std::vector<PeriodSummary> summary,
        store_.Summary(plant, db::PlantPeriods(from, to, zone_of_(plant), period)));
    for (const PeriodSummary& s : summary) {
      auto* p = response->add_periods();
      p->set_period(s.period);
      p->set_raised(s.raised);
      p->set_closed(s.closed);
      p->set_closed_on_time(s.closed_on_time);
      p->set_blacklisted(s.blacklisted);
    }
    return absl::OkStatus();
  });
}

}  // namespace qms::complaints
