#include "services/returns/documents.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/text.h"

namespace qms::returns {
namespace {

std::string Header(const Return& r) {
  return absl::StrCat("<table>", HtmlRow("Return", r.number), HtmlRow("Customer", r.customer),
                      HtmlRow("Complaint", r.bulk ? "bulk return (客户统退货)" : r.complaint),
                      "</table>");
}

}  // namespace

absl::StatusOr<std::string> ReceiptDocument(const Return& r, const std::string& receipt_number,
                                            absl::TimeZone zone) {
  for (const Receipt& receipt : r.receipts) {
    if (receipt.number != receipt_number) continue;
    std::string html =
        absl::StrCat(HtmlPageStart(absl::StrCat("Receipt ", receipt.number),
                                   "退货入库单 / returned goods receipt"),
                     Header(r), "<h2>Counted</h2><table>",
                     HtmlRow("Received", LocalTime(receipt.time, zone)), HtmlRow("By", receipt.by),
                     "</table><h2>Lines</h2><table><tr><th>Line</th><th>Part</th><th>Lots</th>"
                     "<th>Order</th><th>Announced</th><th>Counted</th></tr>");
    for (const ReceiptLine& rl : receipt.lines) {
      const Line* line = FindLine(r, rl.line);
      if (line == nullptr) continue;
      absl::StrAppend(&html, "<tr><td>", rl.line, "</td><td>", HtmlEscape(line->part_number),
                      "</td><td>", HtmlEscape(absl::StrJoin(line->lots, ", ")), "</td><td>",
                      HtmlEscape(line->order_number), "</td><td>", line->announced, "</td><td>",
                      rl.quantity, "</td></tr>");
    }
    absl::StrAppend(&html, "</table>");
    if (!receipt.note.empty()) {
      absl::StrAppend(&html, "<h2>Note</h2><p>", HtmlEscape(receipt.note), "</p>");
    }
    absl::StrAppend(&html, kHtmlPageEnd);
    return html;
  }
  return absl::NotFoundError(absl::StrCat(ResourceName(r), " has no receipt ", receipt_number));
}

absl::StatusOr<std::string> ReworkOrderDocument(const Return& r, int order, absl::TimeZone zone) {
  const ReworkOrder* o = FindReworkOrder(r, order);
  if (o == nullptr) {
    return absl::NotFoundError(absl::StrCat(ResourceName(r), " has no rework order ", order));
  }
  const Line* line = FindLine(r, o->line);
  std::string html = absl::StrCat(
      HtmlPageStart(absl::StrCat("Rework order ", r.number, "/", o->number),
                    absl::StrCat("重工工令 / rework order &middot; ", ToString(o->state))),
      Header(r), "<h2>Order</h2><table>", HtmlRow("Part", line ? line->part_number : ""),
      HtmlRow("Lots", line ? absl::StrJoin(line->lots, ", ") : ""),
      HtmlRow("Quantity", absl::StrCat(o->quantity)),
      HtmlRow("Needed back by", LocalTime(o->need_time, zone)),
      HtmlRow("Issued", absl::StrCat(LocalTime(o->issue_time, zone), " by ", o->issued_by)),
      "</table><h2>Rework / 100 % inspection instruction</h2><p>", HtmlEscape(o->instruction),
      "</p><h2>Progress</h2><table>", HtmlRow("Reworked", absl::StrCat(o->reworked)),
      HtmlRow("Inspected OK", absl::StrCat(o->inspected_ok)),
      HtmlRow("Inspected NG", absl::StrCat(o->inspected_ng)));
  if (o->close_time) absl::StrAppend(&html, HtmlRow("Closed", LocalTime(*o->close_time, zone)));
  absl::StrAppend(&html, "</table>", kHtmlPageEnd);
  return html;
}

}  // namespace qms::returns
