#include "services/returns/return_proto.h"

#include "common/field_violations.h"
#include "common/proto_enum.h"
#include "common/proto_time.h"
#include "common/status_macros.h"

namespace qms::returns {
namespace {

void DispositionToProto(const Disposition& d, v1::Disposition* p) {
  p->set_rework(d.rework);
  p->set_scrap(d.scrap);
  p->set_scrap_reason(d.scrap_reason);
  p->set_concession(d.concession);
  p->set_concession_reference(d.concession_reference);
  p->set_return_to_customer(d.to_customer);
  p->set_return_to_supplier(d.to_supplier);
}

Disposition DispositionFromProto(const v1::Disposition& p) {
  Disposition d;
  d.rework = p.rework();
  d.scrap = p.scrap();
  d.scrap_reason = p.scrap_reason();
  d.concession = p.concession();
  d.concession_reference = p.concession_reference();
  d.to_customer = p.return_to_customer();
  d.to_supplier = p.return_to_supplier();
  return d;
}

// A required time of a request: InfinitePast when unset (the domain names it), INVALID_ARGUMENT
// when it cannot be a time.
absl::StatusOr<absl::Time> TimeFromProto(const std::string& field, bool has,
                                         const google::protobuf::Timestamp& t) {
  if (!has) return absl::InfinitePast();
  if (!IsValidTimestamp(t)) return InvalidField(field, "is not a valid time");
  return FromProto(t);
}

}  // namespace

Return DraftFromProto(const std::string& plant, const v1::Return& p) {
  Return r;
  r.plant = plant;
  r.customer = p.customer();
  r.complaint = p.complaint();
  r.bulk = p.bulk();
  r.without_goods = p.without_goods();
  for (const v1::ReturnLine& l : p.lines()) {
    Line& line = r.lines.emplace_back();
    line.part_number = l.part_number();
    line.lots.assign(l.lots().begin(), l.lots().end());
    line.order_number = l.order_number();
    line.announced = l.announced_quantity();
    line.reason_code = l.reason_code();
  }
  return r;
}

void ReturnToProto(const Return& r, absl::Time now, v1::Return* p) {
  p->set_name(ResourceName(r));
  p->set_plant(r.plant);
  p->set_number(r.number);
  p->set_customer(r.customer);
  p->set_complaint(r.complaint);
  p->set_bulk(r.bulk);
  p->set_without_goods(r.without_goods);
  for (const Line& l : r.lines) {
    v1::ReturnLine* pl = p->add_lines();
    pl->set_line(l.number);
    pl->set_part_number(l.part_number);
    for (const std::string& lot : l.lots) pl->add_lots(lot);
    pl->set_order_number(l.order_number);
    pl->set_announced_quantity(l.announced);
    pl->set_reason_code(l.reason_code);
    pl->set_received_quantity(l.received);
    if (l.confirmation) {
      const Confirmation& c = *l.confirmation;
      v1::Confirmation* pc = pl->mutable_confirmation();
      pc->set_result(ToProtoEnum<v1::ConfirmationResult>(c.result));
      pc->set_nonconforming_quantity(c.nonconforming);
      pc->set_responsibility(ToProtoEnum<v1::Responsibility>(c.responsibility));
      pc->set_notes(c.notes);
      pc->set_confirmed_by(c.by);
      ToProto(c.time, pc->mutable_confirm_time());
    }
    DispositionToProto(l.disposition, pl->mutable_disposition());
    pl->set_undisposed_quantity(l.confirmation ? Undisposed(r, l) : ToDispose(r, l));
  }
  p->set_state(ToProtoEnum<v1::ReturnState>(r.state));
  for (const Receipt& x : r.receipts) {
    v1::Receipt* px = p->add_receipts();
    px->set_receipt_number(x.number);
    for (const ReceiptLine& rl : x.lines) {
      v1::ReceiptLine* prl = px->add_lines();
      prl->set_line(rl.line);
      prl->set_quantity(rl.quantity);
    }
    px->set_note(x.note);
    px->set_received_by(x.by);
    ToProto(x.time, px->mutable_receive_time());
  }
  for (const ReworkOrder& o : r.rework_orders) {
    v1::ReworkOrder* po = p->add_rework_orders();
    po->set_number(o.number);
    po->set_line(o.line);
    po->set_quantity(o.quantity);
    po->set_instruction(o.instruction);
    ToProto(o.need_time, po->mutable_need_time());
    po->set_state(ToProtoEnum<v1::ReworkOrderState>(o.state));
    po->set_reworked(o.reworked);
    po->set_inspected_ok(o.inspected_ok);
    po->set_inspected_ng(o.inspected_ng);
    po->set_issued_by(o.issued_by);
    ToProto(o.issue_time, po->mutable_issue_time());
    if (o.close_time) ToProto(*o.close_time, po->mutable_close_time());
  }
  if (r.urgent) {
    const UrgentProduction& u = *r.urgent;
    v1::UrgentProduction* pu = p->mutable_urgent_production();
    pu->set_available_stock(u.available_stock);
    pu->set_quantity(u.quantity);
    ToProto(u.need_time, pu->mutable_need_time());
    pu->set_requested_by(u.requested_by);
    ToProto(u.request_time, pu->mutable_request_time());
    pu->set_production_order(u.production_order);
    if (u.schedule_time) ToProto(*u.schedule_time, pu->mutable_schedule_time());
  }
  if (r.analysis) {
    const Analysis& a = *r.analysis;
    v1::Analysis* pa = p->mutable_analysis();
    pa->set_cause(ToProtoEnum<v1::CauseCategory>(a.cause));
    pa->set_findings(a.findings);
    for (const std::string& x : a.attachments) pa->add_attachments(x);
    pa->set_eight_d(r.complaint);
    pa->set_analyzed_by(a.analyzed_by);
    ToProto(a.analysis_time, pa->mutable_analysis_time());
    pa->set_archived_by(a.archived_by);
    if (a.archive_time) ToProto(*a.archive_time, pa->mutable_archive_time());
  }
  p->set_customer_explanation(r.explanation);
  p->set_explanation_required(ExplanationRequired(r));
  if (const auto due = NextDue(r)) {
    ToProto(*due, p->mutable_next_due_time());
    p->set_overdue(*due < now);
  }
  p->set_etag(absl::StrCat(r.version));
  ToProto(r.create_time, p->mutable_create_time());
  ToProto(r.update_time, p->mutable_update_time());
  if (r.close_time) ToProto(*r.close_time, p->mutable_close_time());
}

void HistoryToProto(const HistoryEntry& e, v1::HistoryEntry* p) {
  p->set_sequence(e.sequence);
  p->set_action(e.action);
  p->set_actor(e.actor);
  if (e.from) p->set_from_state(ToProtoEnum<v1::ReturnState>(*e.from));
  p->set_to_state(ToProtoEnum<v1::ReturnState>(e.to));
  ToProto(e.time, p->mutable_time());
  p->set_details(e.details);
}

void FiguresToProto(const MonthlyFigures& f, v1::ReturnStatistics* p) {
  p->set_month(f.month);
  p->set_customer(f.customer);
  p->set_returns(f.returns);
  p->set_quantity(f.quantity);
  p->set_reworked(f.disposed.rework);
  p->set_scrapped(f.disposed.scrap);
  p->set_conceded(f.disposed.concession);
  p->set_returned_to_customer(f.disposed.to_customer);
  p->set_returned_to_supplier(f.disposed.to_supplier);
  p->set_lines_confirmed(f.lines_confirmed);
  p->set_lines_no_trouble_found(f.lines_no_trouble_found);
  p->set_no_trouble_found_rate(f.NoTroubleFoundRate());
  p->set_rework_orders_closed(f.rework_orders_closed);
  p->set_rework_orders_on_time(f.rework_orders_on_time);
  p->set_rework_lead_days(f.rework_lead_days);
}

absl::StatusOr<Step> StepFromProto(const v1::RecordReceiptRequest& r) {
  RecordReceiptStep s;
  s.receipt.number = r.receipt().receipt_number();
  s.receipt.note = r.receipt().note();
  for (const v1::ReceiptLine& l : r.receipt().lines()) {
    s.receipt.lines.push_back({l.line(), l.quantity()});
  }
  return s;
}

absl::StatusOr<Step> StepFromProto(const v1::ConfirmQualityRequest& r) {
  ConfirmQualityStep s;
  s.line = r.line();
  FieldViolations v;
  if (auto result = FromProtoEnum(r.result(), ConfirmationResultFromString)) {
    s.confirmation.result = *result;
  } else {
    v.Add("result", "is required: DEFECT_CONFIRMED or NO_TROUBLE_FOUND");
  }
  if (auto who = FromProtoEnum(r.responsibility(), ResponsibilityFromString)) {
    s.confirmation.responsibility = *who;
  } else {
    v.Add("responsibility", "is required: OURS or NOT_OURS");
  }
  QMS_RETURN_IF_ERROR(v.ToStatus());
  s.confirmation.nonconforming = r.nonconforming_quantity();
  s.confirmation.notes = r.notes();
  return s;
}

absl::StatusOr<Step> StepFromProto(const v1::ExplainToCustomerRequest& r) {
  return ExplainToCustomerStep{r.explanation()};
}

absl::StatusOr<Step> StepFromProto(const v1::DisposeLineRequest& r) {
  return DisposeLineStep{r.line(), DispositionFromProto(r.disposition())};
}

absl::StatusOr<Step> StepFromProto(const v1::IssueReworkOrderRequest& r) {
  IssueReworkOrderStep s;
  s.line = r.line();
  s.quantity = r.quantity();
  s.instruction = r.instruction();
  QMS_ASSIGN_OR_RETURN(s.need_time, TimeFromProto("need_time", r.has_need_time(), r.need_time()));
  return s;
}

absl::StatusOr<Step> StepFromProto(const v1::RecordReworkProgressRequest& r) {
  return RecordReworkProgressStep{r.rework_order(), r.reworked(), r.inspected_ok(),
                                  r.inspected_ng()};
}

absl::StatusOr<Step> StepFromProto(const v1::CloseReworkOrderRequest& r) {
  return CloseReworkOrderStep{r.rework_order()};
}

absl::StatusOr<Step> StepFromProto(const v1::RequestUrgentProductionRequest& r) {
  RequestUrgentProductionStep s;
  s.available_stock = r.available_stock();
  QMS_ASSIGN_OR_RETURN(s.need_time, TimeFromProto("need_time", r.has_need_time(), r.need_time()));
  return s;
}

absl::StatusOr<Step> StepFromProto(const v1::ScheduleUrgentProductionRequest& r) {
  return ScheduleUrgentProductionStep{r.production_order()};
}

absl::StatusOr<Step> StepFromProto(const v1::RecordAnalysisRequest& r) {
  RecordAnalysisStep s;
  if (auto cause = FromProtoEnum(r.cause(), CauseFromString)) {
    s.cause = *cause;
    s.cause_given = true;
  }
  s.findings = r.findings();
  s.attachments.assign(r.attachments().begin(), r.attachments().end());
  return s;
}

absl::StatusOr<Step> StepFromProto(const v1::ArchiveAnalysisRequest&) {
  return ArchiveAnalysisStep{};
}

absl::StatusOr<Step> StepFromProto(const v1::CloseReturnRequest&) { return CloseReturnStep{}; }

}  // namespace qms::returns
