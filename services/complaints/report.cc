#include "services/complaints/report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace qms::complaints {
namespace {

std::string Pending() { return "<p class=\"muted\">Not yet recorded.</p>"; }

std::string ActionsTable(const std::vector<Action>& actions) {
  if (actions.empty()) return Pending();
  std::string html =
      "<table><tr><th>Action</th><th>Department</th><th>Owner</th><th>Due</th><th>Status</th>"
      "<th>Evidence</th></tr>";
  for (const Action& a : actions) {
    absl::StrAppend(&html, "<tr><td>", HtmlEscape(a.description), "</td><td>",
                    HtmlEscape(a.responsible_department), "</td><td>", HtmlEscape(a.owner),
                    "</td><td>", HtmlEscape(a.due_date), "</td><td>", ToString(a.status),
                    "</td><td>", HtmlEscape(a.evidence), "</td></tr>");
  }
  return html + "</table>";
}

std::string Whys(const std::vector<std::string>& whys) {
  std::vector<std::string> escaped;
  for (const auto& w : whys) escaped.push_back(HtmlEscape(w));
  return absl::StrJoin(escaped, " &rarr; ");
}

}  // namespace

std::string RenderReport(const Complaint& c, absl::TimeZone zone) {
  const Intake& in = c.intake;
  std::string html =
      HtmlPageStart(absl::StrCat("8D report ", c.number),
                    absl::StrCat("客户抱怨处理单 / 8D报告 &middot; status ", ToString(c.status)));

  absl::StrAppend(
      &html, "<h2>Complaint</h2><table>", HtmlRow("Customer", in.customer),
      HtmlRow("Contact", in.customer_contact), HtmlRow("Part number", in.part_number),
      HtmlRow("Order / lot", absl::StrCat(in.order_number, " / ", in.lot_number)),
      HtmlRow("Delivered", absl::StrCat(in.delivery_date, " (", in.quantity_delivered, " pcs)")),
      HtmlRow("Defective", absl::StrCat(in.quantity_defective, " pcs")),
      HtmlRow("Defect", absl::StrCat(in.defect_code.empty() ? "" : in.defect_code + ": ",
                                     in.defect_description)),
      HtmlRow("Received", LocalTime(in.received_time, zone)),
      HtmlRow("Goods returned", in.goods_returned ? "yes" : "no"));
  if (!c.serious_reasons.empty()) {
    std::vector<std::string> reasons;
    for (SeriousReason r : c.serious_reasons) reasons.emplace_back(ToString(r));
    absl::StrAppend(&html, HtmlRow("Serious complaint", absl::StrJoin(reasons, ", ")));
  }
  if (!c.reopened_from.empty()) absl::StrAppend(&html, HtmlRow("Continues", c.reopened_from));
  absl::StrAppend(&html, "</table>");

  absl::StrAppend(&html, "<h2>D1 Team</h2>");
  if (c.triage && !c.triage->team.empty()) {
    absl::StrAppend(&html, "<table><tr><th>Name</th><th>Department</th><th>Role</th></tr>");
    for (const auto& m : c.triage->team) {
      absl::StrAppend(&html, "<tr><td>", HtmlEscape(m.name), "</td><td>", HtmlEscape(m.department),
                      "</td><td>", HtmlEscape(m.role), "</td></tr>");
    }
    absl::StrAppend(&html, "</table>");
  } else {
    absl::StrAppend(&html, Pending());
  }

  absl::StrAppend(&html, "<h2>D2 Problem description (5W2H)</h2>");
  if (c.triage) {
    const ProblemStatement& p = c.triage->problem;
    absl::StrAppend(&html, "<table>", HtmlRow("What", p.what), HtmlRow("Where", p.where),
                    HtmlRow("When", p.when), HtmlRow("Who", p.who), HtmlRow("Why", p.why),
                    HtmlRow("How", p.how), HtmlRow("How many", p.how_many),
                    HtmlRow("Responsible department", c.triage->responsible_department),
                    HtmlRow("Severity", ToString(c.triage->severity)), "</table>");
  } else {
    absl::StrAppend(&html, Pending());
  }

  absl::StrAppend(&html, "<h2>D3 Containment</h2>");
  if (c.containment) {
    const Containment& k = *c.containment;
    absl::StrAppend(
        &html, ActionsTable(k.actions), "<table>",
        HtmlRow("Quarantined at our site", absl::StrCat(k.quantity_quarantined_at_site)),
        HtmlRow("Sorted at our site", absl::StrCat(k.quantity_sorted_at_site)),
        HtmlRow("In transit", absl::StrCat(k.quantity_in_transit)),
        HtmlRow("At the customer", absl::StrCat(k.quantity_at_customer)),
        c.contain_time ? HtmlRow("Submitted", LocalTime(*c.contain_time, zone)) : "", "</table>");
  } else {
    absl::StrAppend(&html, Pending());
  }

  absl::StrAppend(&html, "<h2>D4 Root cause</h2>");
  if (c.root_cause) {
    const RootCause& r = *c.root_cause;
    absl::StrAppend(&html, "<table><tr><th>Why it occurred</th><td>", Whys(r.why_occurred),
                    "</td></tr><tr><th>Why it was not detected</th><td>", Whys(r.why_not_detected),
                    "</td></tr><tr><th>Why the system did not prevent it</th><td>",
                    Whys(r.why_not_prevented), "</td></tr>",
                    HtmlRow("5M1E category", ToString(r.category)), HtmlRow("Summary", r.summary),
                    "</table>");
  } else {
    absl::StrAppend(&html, Pending());
  }

  absl::StrAppend(&html, "<h2>D5/D6 Corrective actions</h2>", ActionsTable(c.corrective_actions));
  absl::StrAppend(&html, "<h2>D7 Preventive actions</h2>");
  if (c.preventive_waiver) {
    absl::StrAppend(&html, "<table>",
                    HtmlRow("Waived", absl::StrCat(ToString(c.preventive_waiver->reason), ": ",
                                                   c.preventive_waiver->explanation)),
                    HtmlRow("Approved by", c.preventive_waiver->approved_by), "</table>");
  }
  absl::StrAppend(&html, ActionsTable(c.preventive_actions));

  absl::StrAppend(&html, "<h2>Approval (核决)</h2>");
  if (c.decisions.empty()) absl::StrAppend(&html, Pending());
  for (const Decision& d : c.decisions) {
    absl::StrAppend(&html, "<table>", HtmlRow("Decision", d.approved ? "approved" : "rejected"),
                    HtmlRow("By", d.decided_by), HtmlRow("When", LocalTime(d.decide_time, zone)),
                    HtmlRow("Comments", d.comments), "</table>");
  }

  absl::StrAppend(&html, "<h2>D8 Reply, verification and closure</h2><table>");
  if (c.reply) {
    absl::StrAppend(&html, HtmlRow("Reply", c.reply->text),
                    HtmlRow("Replied", LocalTime(c.reply->reply_time, zone)));
  }
  if (!c.improvement_date.empty())
    absl::StrAppend(&html, HtmlRow("Improvement date", c.improvement_date));
  for (const Verification& v : c.verifications) {
    absl::StrAppend(&html, HtmlRow(absl::StrCat("Verified ", LocalTime(v.verify_time, zone)),
                                   absl::StrCat(v.effective ? "effective" : "not effective",
                                                v.notes.empty() ? "" : ": " + v.notes)));
  }
  if (c.close_time) absl::StrAppend(&html, HtmlRow("Closed", LocalTime(*c.close_time, zone)));
  absl::StrAppend(&html, "</table>", kHtmlPageEnd);
  return html;
}

}  // namespace qms::complaints
