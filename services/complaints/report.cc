#include "services/complaints/report.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace qms::complaints {
namespace {

constexpr char kStyle[] =
    "body{font-family:sans-serif;margin:2em;color:#222}"
    "h1{font-size:1.4em;margin-bottom:0}h2{font-size:1.1em;border-bottom:1px solid #999;"
    "margin-top:1.6em}table{border-collapse:collapse;width:100%}"
    "td,th{border:1px solid #bbb;padding:4px 6px;text-align:left;vertical-align:top}"
    "th{background:#eee;width:22%}.muted{color:#777}";

std::string Time(absl::Time t, absl::TimeZone zone) {
  return absl::FormatTime("%Y-%m-%d %H:%M %Z", t, zone);
}

std::string Row(absl::string_view label, absl::string_view value) {
  return absl::StrCat("<tr><th>", HtmlEscape(label), "</th><td>", HtmlEscape(value), "</td></tr>");
}

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

std::string HtmlEscape(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string RenderReport(const Complaint& c, absl::TimeZone zone) {
  const Intake& in = c.intake;
  std::string html = absl::StrCat(
      "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>8D report ",
      HtmlEscape(c.number), "</title><style>", kStyle, "</style></head><body>", "<h1>8D report ",
      HtmlEscape(c.number), "</h1><p class=\"muted\">客户抱怨处理单 / 8D报告 &middot; status ",
      ToString(c.status), "</p>");

  absl::StrAppend(
      &html, "<h2>Complaint</h2><table>", Row("Customer", in.customer),
      Row("Contact", in.customer_contact), Row("Part number", in.part_number),
      Row("Order / lot", absl::StrCat(in.order_number, " / ", in.lot_number)),
      Row("Delivered", absl::StrCat(in.delivery_date, " (", in.quantity_delivered, " pcs)")),
      Row("Defective", absl::StrCat(in.quantity_defective, " pcs")),
      Row("Defect",
          absl::StrCat(in.defect_code.empty() ? "" : in.defect_code + ": ", in.defect_description)),
      Row("Received", Time(in.received_time, zone)),
      Row("Goods returned", in.goods_returned ? "yes" : "no"));
  if (!c.serious_reasons.empty()) {
    std::vector<std::string> reasons;
    for (SeriousReason r : c.serious_reasons) reasons.emplace_back(ToString(r));
    absl::StrAppend(&html, Row("Serious complaint", absl::StrJoin(reasons, ", ")));
  }
  if (!c.reopened_from.empty()) absl::StrAppend(&html, Row("Continues", c.reopened_from));
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
    absl::StrAppend(&html, "<table>", Row("What", p.what), Row("Where", p.where),
                    Row("When", p.when), Row("Who", p.who), Row("Why", p.why), Row("How", p.how),
                    Row("How many", p.how_many),
                    Row("Responsible department", c.triage->responsible_department),
                    Row("Severity", ToString(c.triage->severity)), "</table>");
  } else {
    absl::StrAppend(&html, Pending());
  }

  absl::StrAppend(&html, "<h2>D3 Containment</h2>");
  if (c.containment) {
    const Containment& k = *c.containment;
    absl::StrAppend(&html, ActionsTable(k.actions), "<table>",
                    Row("Quarantined at our site", absl::StrCat(k.quantity_quarantined_at_site)),
                    Row("Sorted at our site", absl::StrCat(k.quantity_sorted_at_site)),
                    Row("In transit", absl::StrCat(k.quantity_in_transit)),
                    Row("At the customer", absl::StrCat(k.quantity_at_customer)),
                    c.contain_time ? Row("Submitted", Time(*c.contain_time, zone)) : "",
                    "</table>");
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
                    Row("5M1E category", ToString(r.category)), Row("Summary", r.summary),
                    "</table>");
  } else {
    absl::StrAppend(&html, Pending());
  }

  absl::StrAppend(&html, "<h2>D5/D6 Corrective actions</h2>", ActionsTable(c.corrective_actions));
  absl::StrAppend(&html, "<h2>D7 Preventive actions</h2>");
  if (c.preventive_waiver) {
    absl::StrAppend(&html, "<table>",
                    Row("Waived", absl::StrCat(ToString(c.preventive_waiver->reason), ": ",
                                               c.preventive_waiver->explanation)),
                    Row("Approved by", c.preventive_waiver->approved_by), "</table>");
  }
  absl::StrAppend(&html, ActionsTable(c.preventive_actions));

  absl::StrAppend(&html, "<h2>Approval (核决)</h2>");
  if (c.decisions.empty()) absl::StrAppend(&html, Pending());
  for (const Decision& d : c.decisions) {
    absl::StrAppend(&html, "<table>", Row("Decision", d.approved ? "approved" : "rejected"),
                    Row("By", d.decided_by), Row("When", Time(d.decide_time, zone)),
                    Row("Comments", d.comments), "</table>");
  }

  absl::StrAppend(&html, "<h2>D8 Reply, verification and closure</h2><table>");
  if (c.reply) {
    absl::StrAppend(&html, Row("Reply", c.reply->text),
                    Row("Replied", Time(c.reply->reply_time, zone)));
  }
  if (!c.improvement_date.empty())
    absl::StrAppend(&html, Row("Improvement date", c.improvement_date));
  for (const Verification& v : c.verifications) {
    absl::StrAppend(&html, Row(absl::StrCat("Verified ", Time(v.verify_time, zone)),
                               absl::StrCat(v.effective ? "effective" : "not effective",
                                            v.notes.empty() ? "" : ": " + v.notes)));
  }
  if (c.close_time) absl::StrAppend(&html, Row("Closed", Time(*c.close_time, zone)));
  absl::StrAppend(&html, "</table></body></html>");
  return html;
}

}  // namespace qms::complaints
