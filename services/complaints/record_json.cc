#include "services/complaints/record_json.h"

#include <nlohmann/json.hpp>

#include "common/json_fields.h"

namespace qms::complaints {
namespace {

using namespace json_fields;  // NOLINT: Time, ParseTime, Enum ... read as the record's words
using nlohmann::json;

json ToJson(const Action& a) {
  return {{"description", a.description},
          {"responsible_department", a.responsible_department},
          {"owner", a.owner},
          {"due_date", a.due_date},
          {"status", ToString(a.status)},
          {"evidence", a.evidence}};
}

Action ActionFrom(const json& j) {
  return Action{j.at("description"),
                j.at("responsible_department"),
                j.at("owner"),
                j.at("due_date"),
                Enum(j.at("status"), ActionStatusFromString),
                j.at("evidence")};
}

json ToJson(const std::vector<Action>& actions) {
  json out = json::array();
  for (const auto& a : actions) out.push_back(ToJson(a));
  return out;
}

std::vector<Action> ActionsFrom(const json& j) {
  std::vector<Action> out;
  for (const auto& a : j) out.push_back(ActionFrom(a));
  return out;
}

}  // namespace

std::string RecordToJson(const Complaint& c) {
  json r = json::object();
  if (c.triage) {
    const Triage& t = *c.triage;
    json team = json::array();
    for (const auto& m : t.team) {
      team.push_back({{"name", m.name}, {"department", m.department}, {"role", m.role}});
    }
    const ProblemStatement& p = t.problem;
    r["triage"] = {{"responsible_department", t.responsible_department},
                   {"severity", ToString(t.severity)},
                   {"meeting_notes", t.meeting_notes},
                   {"team", team},
                   {"problem",
                    {{"what", p.what},
                     {"where", p.where},
                     {"when", p.when},
                     {"who", p.who},
                     {"why", p.why},
                     {"how", p.how},
                     {"how_many", p.how_many}}}};
  }
  if (c.containment) {
    const Containment& k = *c.containment;
    r["containment"] = {{"actions", ToJson(k.actions)},
                        {"quantity_quarantined_at_site", k.quantity_quarantined_at_site},
                        {"quantity_sorted_at_site", k.quantity_sorted_at_site},
                        {"quantity_in_transit", k.quantity_in_transit},
                        {"quantity_at_customer", k.quantity_at_customer}};
  }
  if (c.root_cause) {
    const RootCause& rc = *c.root_cause;
    r["root_cause"] = {{"why_occurred", rc.why_occurred},
                       {"why_not_detected", rc.why_not_detected},
                       {"why_not_prevented", rc.why_not_prevented},
                       {"category", ToString(rc.category)},
                       {"summary", rc.summary}};
  }
  r["corrective_actions"] = ToJson(c.corrective_actions);
  r["preventive_actions"] = ToJson(c.preventive_actions);
  if (c.preventive_waiver) {
    const PreventiveWaiver& w = *c.preventive_waiver;
    r["preventive_waiver"] = {{"reason", ToString(w.reason)},
                              {"explanation", w.explanation},
                              {"approved_by", w.approved_by},
                              {"approve_time", Time(w.approve_time)}};
  }
  json decisions = json::array();
  for (const auto& d : c.decisions) {
    decisions.push_back({{"approved", d.approved},
                         {"comments", d.comments},
                         {"decided_by", d.decided_by},
                         {"decide_time", Time(d.decide_time)}});
  }
  r["decisions"] = decisions;
  if (c.reply) {
    r["reply"] = {{"text", c.reply->text},
                  {"replied_by", c.reply->replied_by},
                  {"reply_time", Time(c.reply->reply_time)}};
  }
  json verifications = json::array();
  for (const auto& v : c.verifications) {
    verifications.push_back({{"effective", v.effective},
                             {"notes", v.notes},
                             {"new_improvement_date", v.new_improvement_date},
                             {"verified_by", v.verified_by},
                             {"verify_time", Time(v.verify_time)}});
  }
  r["verifications"] = verifications;
  return r.dump();
}

absl::Status RecordFromJson(const std::string& text, Complaint* c) {
  try {
    const json r = json::parse(text);
    if (r.contains("triage")) {
      const json& t = r["triage"];
      Triage triage;
      triage.responsible_department = t.at("responsible_department");
      triage.severity = Enum(t.at("severity"), SeverityFromString);
      triage.meeting_notes = t.at("meeting_notes");
      for (const auto& m : t.at("team")) {
        triage.team.push_back(TeamMember{m.at("name"), m.at("department"), m.at("role")});
      }
      const json& p = t.at("problem");
      triage.problem = ProblemStatement{p.at("what"), p.at("where"), p.at("when"),    p.at("who"),
                                        p.at("why"),  p.at("how"),   p.at("how_many")};
      c->triage = std::move(triage);
    }
    if (r.contains("containment")) {
      const json& k = r["containment"];
      c->containment =
          Containment{ActionsFrom(k.at("actions")), k.at("quantity_quarantined_at_site"),
                      k.at("quantity_sorted_at_site"), k.at("quantity_in_transit"),
                      k.at("quantity_at_customer")};
    }
    if (r.contains("root_cause")) {
      const json& rc = r["root_cause"];
      c->root_cause =
          RootCause{rc.at("why_occurred"), rc.at("why_not_detected"), rc.at("why_not_prevented"),
                    Enum(rc.at("category"), CauseCategoryFromString), rc.at("summary")};
    }
    c->corrective_actions = ActionsFrom(r.at("corrective_actions"));
    c->preventive_actions = ActionsFrom(r.at("preventive_actions"));
    if (r.contains("preventive_waiver")) {
      const json& w = r["preventive_waiver"];
      c->preventive_waiver =
          PreventiveWaiver{Enum(w.at("reason"), WaiverReasonFromString), w.at("explanation"),
                           w.at("approved_by"), ParseTime(w.at("approve_time"))};
    }
    for (const auto& d : r.at("decisions")) {
      c->decisions.push_back(Decision{d.at("approved"), d.at("comments"), d.at("decided_by"),
                                      ParseTime(d.at("decide_time"))});
    }
    if (r.contains("reply")) {
      const json& y = r["reply"];
      c->reply = Reply{y.at("text"), y.at("replied_by"), ParseTime(y.at("reply_time"))};
    }
    for (const auto& v : r.at("verifications")) {
      c->verifications.push_back(Verification{v.at("effective"), v.at("notes"),
                                              v.at("new_improvement_date"), v.at("verified_by"),
                                              ParseTime(v.at("verify_time"))});
    }
  } catch (const json::exception& e) {
    return absl::InternalError(std::string("complaint record does not parse: ") + e.what());
  }
  return absl::OkStatus();
}

}  // namespace qms::complaints
