#include "services/complaints/complaint_proto.h"

#include "absl/strings/str_cat.h"
#include "common/field_violations.h"

namespace qms::complaints {
namespace {

using google::protobuf::Timestamp;

// Proto enum value -> domain enum through the shared name; "<PREFIX>_UNSPECIFIED" (value 0) maps
// to the domain's "UNSPECIFIED".
template <typename D, typename P>
std::optional<D> ByName(P value, const std::string& (*name_of)(P),
                        std::optional<D> (*parse)(absl::string_view)) {
  if (static_cast<int>(value) == 0) return parse("UNSPECIFIED");
  const std::string& name = name_of(value);
  if (name.empty()) return std::nullopt;  // not a value of the enum
  return parse(name);
}

template <typename P, typename D>
P ToProtoEnum(D value, bool (*parse)(const std::string&, P*)) {
  P out{};
  parse(std::string(ToString(value)), &out);
  return out;
}

std::optional<Action> ActionFromProto(FieldViolations& v, const std::string& field,
                                      const v1::Action& p) {
  Action a{p.description(), p.responsible_department(), p.owner(),
           p.due_date(),    ActionStatus::kOpen,        p.evidence()};
  if (p.status() == v1::DONE) {
    a.status = ActionStatus::kDone;
  } else if (p.status() != v1::OPEN && p.status() != v1::ACTION_STATUS_UNSPECIFIED) {
    v.Add(field + ".status", "is not a known action status");
    return std::nullopt;
  }
  return a;
}

std::vector<Action> ActionsFromProto(FieldViolations& v, const std::string& field,
                                     const google::protobuf::RepeatedPtrField<v1::Action>& in) {
  std::vector<Action> out;
  for (int i = 0; i < in.size(); ++i) {
    if (auto a = ActionFromProto(v, absl::StrCat(field, "[", i, "]"), in[i])) out.push_back(*a);
  }
  return out;
}

void ActionToProto(const Action& a, v1::Action* p) {
  p->set_description(a.description);
  p->set_responsible_department(a.responsible_department);
  p->set_owner(a.owner);
  p->set_due_date(a.due_date);
  p->set_status(a.status == ActionStatus::kDone ? v1::DONE : v1::OPEN);
  p->set_evidence(a.evidence);
}

std::vector<std::string> Strings(const google::protobuf::RepeatedPtrField<std::string>& in) {
  return {in.begin(), in.end()};
}

absl::StatusOr<Step> Done(const FieldViolations& v, Step step) {
  if (!v.empty()) return v.ToStatus();
  return step;
}

}  // namespace

std::optional<ComplaintStatus> StatusFromProto(v1::ComplaintStatus s) {
  if (s == v1::COMPLAINT_STATUS_UNSPECIFIED) return std::nullopt;
  return ComplaintStatusFromString(v1::ComplaintStatus_Name(s));
}

absl::StatusOr<Intake> IntakeFromProto(const v1::Complaint& p) {
  FieldViolations v;
  if (p.has_received_time()) CheckTimestamp(v, "complaint.received_time", p.received_time());
  if (p.has_customer_required_reply_time()) {
    CheckTimestamp(v, "complaint.customer_required_reply_time", p.customer_required_reply_time());
  }
  auto channel = ByName<Channel>(p.channel(), &v1::Channel_Name<v1::Channel>, &ChannelFromString);
  if (!channel) v.Add("complaint.channel", "is not a known channel");
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
  in.channel = *channel;
  if (p.has_received_time()) in.received_time = FromProto(p.received_time());
  return in;
}

void ComplaintToProto(const Complaint& c, v1::Complaint* p) {
  const Intake& in = c.intake;
  const std::string plant_prefix = absl::StrCat("plants/", c.plant, "/complaints/");
  p->set_name(ResourceName(c));
  p->set_plant(c.plant);
  p->set_number(c.number);
  p->set_status(ToProtoEnum<v1::ComplaintStatus>(c.status, &v1::ComplaintStatus_Parse));
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
  p->set_channel(ToProtoEnum<v1::Channel>(in.channel, &v1::Channel_Parse));
  ToProto(in.received_time, p->mutable_received_time());
  p->set_etag(Etag(c));
  ToProto(c.create_time, p->mutable_create_time());
  ToProto(c.update_time, p->mutable_update_time());

  if (c.triage) {
    auto* t = p->mutable_triage();
    t->set_responsible_department(c.triage->responsible_department);
    t->set_severity(ToProtoEnum<v1::Severity>(c.triage->severity, &v1::Severity_Parse));
    t->set_meeting_notes(c.triage->meeting_notes);
    for (const auto& m : c.triage->team) {
      auto* pm = t->add_team();
      pm->set_name(m.name);
      pm->set_department(m.department);
      pm->set_role(m.role);
    }
    const ProblemStatement& ps = c.triage->problem;
    auto* pp = t->mutable_problem();
    pp->set_what(ps.what);
    pp->set_where(ps.where);
    pp->set_when(ps.when);
    pp->set_who(ps.who);
    pp->set_why(ps.why);
    pp->set_how(ps.how);
    pp->set_how_many(ps.how_many);
  }
  if (c.containment) {
    auto* k = p->mutable_containment();
    for (const auto& a : c.containment->actions) ActionToProto(a, k->add_actions());
    k->set_quantity_quarantined_at_site(c.containment->quantity_quarantined_at_site);
    k->set_quantity_sorted_at_site(c.containment->quantity_sorted_at_site);
    k->set_quantity_in_transit(c.containment->quantity_in_transit);
    k->set_quantity_at_customer(c.containment->quantity_at_customer);
  }
  if (c.root_cause) {
    auto* r = p->mutable_root_cause();
    for (const auto& w : c.root_cause->why_occurred) r->add_why_occurred(w);
    for (const auto& w : c.root_cause->why_not_detected) r->add_why_not_detected(w);
    for (const auto& w : c.root_cause->why_not_prevented) r->add_why_not_prevented(w);
    r->set_category(
        ToProtoEnum<v1::CauseCategory>(c.root_cause->category, &v1::CauseCategory_Parse));
    r->set_summary(c.root_cause->summary);
  }
  for (const auto& a : c.corrective_actions) ActionToProto(a, p->add_corrective_actions());
  for (const auto& a : c.preventive_actions) ActionToProto(a, p->add_preventive_actions());
  if (c.preventive_waiver) {
    auto* w = p->mutable_preventive_waiver();
    w->set_reason(
        ToProtoEnum<v1::WaiverReason>(c.preventive_waiver->reason, &v1::WaiverReason_Parse));
    w->set_explanation(c.preventive_waiver->explanation);
    w->set_approved_by(c.preventive_waiver->approved_by);
    ToProto(c.preventive_waiver->approve_time, w->mutable_approve_time());
  }
  for (const auto& d : c.decisions) {
    auto* pd = p->add_decisions();
    pd->set_approved(d.approved);
    pd->set_comments(d.comments);
    pd->set_decided_by(d.decided_by);
    ToProto(d.decide_time, pd->mutable_decide_time());
  }
  if (c.reply) {
    auto* r = p->mutable_reply();
    r->set_text(c.reply->text);
    r->set_replied_by(c.reply->replied_by);
    ToProto(c.reply->reply_time, r->mutable_reply_time());
  }
  for (const auto& v : c.verifications) {
    auto* pv = p->add_verifications();
    pv->set_effective(v.effective);
    pv->set_notes(v.notes);
    pv->set_new_improvement_date(v.new_improvement_date);
    pv->set_verified_by(v.verified_by);
    ToProto(v.verify_time, pv->mutable_verify_time());
  }
  p->set_improvement_date(c.improvement_date);
  if (c.contain_time) ToProto(*c.contain_time, p->mutable_contain_time());
  if (c.close_time) ToProto(*c.close_time, p->mutable_close_time());
  if (c.corrective_action_due != absl::InfinitePast()) {
    ToProto(c.corrective_action_due, p->mutable_corrective_action_due_time());
  }
  for (SeriousReason r : c.serious_reasons) {
    p->add_serious_reasons(ToProtoEnum<v1::SeriousReason>(r, &v1::SeriousReason_Parse));
  }
  if (!c.reopened_from.empty()) p->set_reopened_from(plant_prefix + c.reopened_from);
  if (!c.reopened_as.empty()) p->set_reopened_as(plant_prefix + c.reopened_as);
}

void HistoryToProto(const HistoryEntry& e, v1::HistoryEntry* p) {
  p->set_sequence(e.sequence);
  p->set_action(e.action);
  p->set_actor(e.actor);
  if (e.from) {
    p->set_from_status(ToProtoEnum<v1::ComplaintStatus>(*e.from, &v1::ComplaintStatus_Parse));
  }
  p->set_to_status(ToProtoEnum<v1::ComplaintStatus>(e.to, &v1::ComplaintStatus_Parse));
  ToProto(e.time, p->mutable_time());
  p->set_details(e.details);
}

absl::StatusOr<Step> StepFromProto(const v1::TriageComplaintRequest& r) {
  FieldViolations v;
  Triage t;
  t.responsible_department = r.triage().responsible_department();
  auto severity = ByName<Severity>(r.triage().severity(), &v1::Severity_Name<v1::Severity>,
                                   &SeverityFromString);
  if (!severity) v.Add("triage.severity", "is not a known severity");
  t.severity = severity.value_or(Severity::kUnspecified);
  t.meeting_notes = r.triage().meeting_notes();
  for (const auto& m : r.triage().team()) t.team.push_back({m.name(), m.department(), m.role()});
  const auto& p = r.triage().problem();
  t.problem = {p.what(), p.where(), p.when(), p.who(), p.why(), p.how(), p.how_many()};
  return Done(v, TriageStep{std::move(t)});
}

absl::StatusOr<Step> StepFromProto(const v1::SubmitContainmentRequest& r) {
  FieldViolations v;
  Containment c;
  c.actions = ActionsFromProto(v, "containment.actions", r.containment().actions());
  c.quantity_quarantined_at_site = r.containment().quantity_quarantined_at_site();
  c.quantity_sorted_at_site = r.containment().quantity_sorted_at_site();
  c.quantity_in_transit = r.containment().quantity_in_transit();
  c.quantity_at_customer = r.containment().quantity_at_customer();
  return Done(v, SubmitContainmentStep{std::move(c)});
}

absl::StatusOr<Step> StepFromProto(const v1::SubmitRootCauseRequest& r) {
  FieldViolations v;
  RootCause rc;
  rc.why_occurred = Strings(r.root_cause().why_occurred());
  rc.why_not_detected = Strings(r.root_cause().why_not_detected());
  rc.why_not_prevented = Strings(r.root_cause().why_not_prevented());
  auto category =
      ByName<CauseCategory>(r.root_cause().category(), &v1::CauseCategory_Name<v1::CauseCategory>,
                            &CauseCategoryFromString);
  if (!category) v.Add("root_cause.category", "is not a known 5M1E category");
  rc.category = category.value_or(CauseCategory::kUnspecified);
  rc.summary = r.root_cause().summary();
  return Done(v, SubmitRootCauseStep{std::move(rc)});
}

absl::StatusOr<Step> StepFromProto(const v1::SubmitActionsRequest& r) {
  FieldViolations v;
  SubmitActionsStep s;
  s.corrective = ActionsFromProto(v, "corrective_actions", r.corrective_actions());
  s.preventive = ActionsFromProto(v, "preventive_actions", r.preventive_actions());
  return Done(v, std::move(s));
}

absl::StatusOr<Step> StepFromProto(const v1::WaivePreventiveActionRequest& r) {
  FieldViolations v;
  auto reason = ByName<WaiverReason>(r.reason(), &v1::WaiverReason_Name<v1::WaiverReason>,
                                     &WaiverReasonFromString);
  if (!reason) v.Add("reason", "is not a known waiver reason");
  return Done(v, WaivePreventiveStep{reason.value_or(WaiverReason::kUnspecified), r.explanation()});
}

absl::StatusOr<Step> ApproveFromProto(const v1::DecideActionsRequest& r) {
  return Step(ApproveStep{r.comments()});
}

absl::StatusOr<Step> RejectFromProto(const v1::DecideActionsRequest& r) {
  return Step(RejectStep{r.comments()});
}

absl::StatusOr<Step> StepFromProto(const v1::ReplyToCustomerRequest& r) {
  return Step(ReplyStep{r.text(), r.improvement_date()});
}

absl::StatusOr<Step> StepFromProto(const v1::VerifyEffectivenessRequest& r) {
  return Step(VerifyStep{r.effective(), r.notes(), r.new_improvement_date()});
}

absl::StatusOr<Step> StepFromProto(const v1::ReopenComplaintRequest& r) {
  return Step(ReopenStep{r.reason()});
}

}  // namespace qms::complaints
