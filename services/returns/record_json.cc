#include "services/returns/record_json.h"

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "common/json_fields.h"

namespace qms::returns {
namespace {

using namespace json_fields;  // NOLINT: Time, ParseTime, Enum ... read as the record's words
using nlohmann::json;

json ToJson(const Disposition& d) {
  return {{"rework", d.rework},
          {"scrap", d.scrap},
          {"scrap_reason", d.scrap_reason},
          {"concession", d.concession},
          {"concession_reference", d.concession_reference},
          {"to_customer", d.to_customer},
          {"to_supplier", d.to_supplier}};
}

Disposition DispositionFrom(const json& j) {
  Disposition d;
  d.rework = j.at("rework");
  d.scrap = j.at("scrap");
  d.scrap_reason = j.at("scrap_reason");
  d.concession = j.at("concession");
  d.concession_reference = j.at("concession_reference");
  d.to_customer = j.at("to_customer");
  d.to_supplier = j.at("to_supplier");
  return d;
}

json ToJson(const Confirmation& c) {
  return {{"result", ToString(c.result)},
          {"nonconforming", c.nonconforming},
          {"responsibility", ToString(c.responsibility)},
          {"notes", c.notes},
          {"by", c.by},
          {"time", Time(c.time)}};
}

Confirmation ConfirmationFrom(const json& j) {
  Confirmation c;
  c.result = Enum(j.at("result"), ConfirmationResultFromString);
  c.nonconforming = j.at("nonconforming");
  c.responsibility = Enum(j.at("responsibility"), ResponsibilityFromString);
  c.notes = j.at("notes");
  c.by = j.at("by");
  c.time = ParseTime(j.at("time"));
  return c;
}

json ToJson(const std::vector<ReceiptLine>& lines) {
  json out = json::array();
  for (const ReceiptLine& l : lines) out.push_back({{"line", l.line}, {"quantity", l.quantity}});
  return out;
}

std::vector<ReceiptLine> ReceiptLinesFrom(const json& j) {
  std::vector<ReceiptLine> out;
  for (const json& l : j) out.push_back({l.at("line"), l.at("quantity")});
  return out;
}

void Parse(const json& j, Return& r) {
  r.lines.clear();
  for (const json& l : j.at("lines")) {
    Line& line = r.lines.emplace_back();
    line.number = l.at("number");
    line.part_number = l.at("part_number");
    line.lots = l.at("lots").get<std::vector<std::string>>();
    line.order_number = l.at("order_number");
    line.announced = l.at("announced");
    line.reason_code = l.at("reason_code");
    line.received = l.at("received");
    if (!l.at("confirmation").is_null()) line.confirmation = ConfirmationFrom(l.at("confirmation"));
    line.disposition = DispositionFrom(l.at("disposition"));
  }
  r.receipts.clear();
  for (const json& x : j.at("receipts")) {
    Receipt& receipt = r.receipts.emplace_back();
    receipt.number = x.at("number");
    receipt.lines = ReceiptLinesFrom(x.at("lines"));
    receipt.note = x.at("note");
    receipt.by = x.at("by");
    receipt.time = ParseTime(x.at("time"));
  }
  r.rework_orders.clear();
  for (const json& x : j.at("rework_orders")) {
    ReworkOrder& o = r.rework_orders.emplace_back();
    o.number = x.at("number");
    o.line = x.at("line");
    o.quantity = x.at("quantity");
    o.instruction = x.at("instruction");
    o.need_time = ParseTime(x.at("need_time"));
    o.state = Enum(x.at("state"), ReworkStateFromString);
    o.reworked = x.at("reworked");
    o.inspected_ok = x.at("inspected_ok");
    o.inspected_ng = x.at("inspected_ng");
    o.issued_by = x.at("issued_by");
    o.issue_time = ParseTime(x.at("issue_time"));
    o.close_time = ParseOptionalTime(x.at("close_time"));
  }
  r.urgent.reset();
  if (const json& u = j.at("urgent"); !u.is_null()) {
    UrgentProduction& p = r.urgent.emplace();
    p.available_stock = u.at("available_stock");
    p.quantity = u.at("quantity");
    p.need_time = ParseTime(u.at("need_time"));
    p.requested_by = u.at("requested_by");
    p.request_time = ParseTime(u.at("request_time"));
    p.production_order = u.at("production_order");
    p.schedule_time = ParseOptionalTime(u.at("schedule_time"));
  }
  r.analysis.reset();
  if (const json& a = j.at("analysis"); !a.is_null()) {
    Analysis& x = r.analysis.emplace();
    x.cause = Enum(a.at("cause"), CauseFromString);
    x.findings = a.at("findings");
    x.attachments = a.at("attachments").get<std::vector<std::string>>();
    x.analyzed_by = a.at("analyzed_by");
    x.analysis_time = ParseTime(a.at("analysis_time"));
    x.archived_by = a.at("archived_by");
    x.archive_time = ParseOptionalTime(a.at("archive_time"));
  }
  r.explanation = j.at("explanation");
  r.confirmation_due = ParseOptionalTime(j.at("confirmation_due"));
}

}  // namespace

std::string RecordToJson(const Return& r) {
  json lines = json::array();
  for (const Line& l : r.lines) {
    lines.push_back({{"number", l.number},
                     {"part_number", l.part_number},
                     {"lots", l.lots},
                     {"order_number", l.order_number},
                     {"announced", l.announced},
                     {"reason_code", l.reason_code},
                     {"received", l.received},
                     {"confirmation", l.confirmation ? ToJson(*l.confirmation) : json()},
                     {"disposition", ToJson(l.disposition)}});
  }
  json receipts = json::array();
  for (const Receipt& x : r.receipts) {
    receipts.push_back({{"number", x.number},
                        {"lines", ToJson(x.lines)},
                        {"note", x.note},
                        {"by", x.by},
                        {"time", Time(x.time)}});
  }
  json orders = json::array();
  for (const ReworkOrder& o : r.rework_orders) {
    orders.push_back({{"number", o.number},
                      {"line", o.line},
                      {"quantity", o.quantity},
                      {"instruction", o.instruction},
                      {"need_time", Time(o.need_time)},
                      {"state", ToString(o.state)},
                      {"reworked", o.reworked},
                      {"inspected_ok", o.inspected_ok},
                      {"inspected_ng", o.inspected_ng},
                      {"issued_by", o.issued_by},
                      {"issue_time", Time(o.issue_time)},
                      {"close_time", OptionalTime(o.close_time)}});
  }
  json urgent;
  if (r.urgent) {
    const UrgentProduction& u = *r.urgent;
    urgent = {{"available_stock", u.available_stock},
              {"quantity", u.quantity},
              {"need_time", Time(u.need_time)},
              {"requested_by", u.requested_by},
              {"request_time", Time(u.request_time)},
              {"production_order", u.production_order},
              {"schedule_time", OptionalTime(u.schedule_time)}};
  }
  json analysis;
  if (r.analysis) {
    const Analysis& a = *r.analysis;
    analysis = {{"cause", ToString(a.cause)},
                {"findings", a.findings},
                {"attachments", a.attachments},
                {"analyzed_by", a.analyzed_by},
                {"analysis_time", Time(a.analysis_time)},
                {"archived_by", a.archived_by},
                {"archive_time", OptionalTime(a.archive_time)}};
  }
  return json{{"lines", lines},
              {"receipts", receipts},
              {"rework_orders", orders},
              {"urgent", urgent},
              {"analysis", analysis},
              {"explanation", r.explanation},
              {"confirmation_due", OptionalTime(r.confirmation_due)}}
      .dump(-1, ' ', false, json::error_handler_t::replace);
}

absl::Status RecordFromJson(const std::string& text, Return& r) {
  try {
    Parse(json::parse(text), r);
    return absl::OkStatus();
  } catch (const json::exception& e) {
    return absl::InternalError(absl::StrCat("return record does not read: ", e.what()));
  }
}

std::string StepDetails(const Step& step) {
  json j = std::visit(
      [](const auto& s) -> json {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, RecordReceiptStep>) {
          return {{"receipt_number", s.receipt.number},
                  {"lines", ToJson(s.receipt.lines)},
                  {"note", s.receipt.note}};
        } else if constexpr (std::is_same_v<T, ConfirmQualityStep>) {
          return {{"line", s.line},
                  {"result", ToString(s.confirmation.result)},
                  {"nonconforming", s.confirmation.nonconforming},
                  {"responsibility", ToString(s.confirmation.responsibility)},
                  {"notes", s.confirmation.notes}};
        } else if constexpr (std::is_same_v<T, ExplainToCustomerStep>) {
          return {{"explanation", s.explanation}};
        } else if constexpr (std::is_same_v<T, DisposeLineStep>) {
          return {{"line", s.line}, {"disposition", ToJson(s.disposition)}};
        } else if constexpr (std::is_same_v<T, IssueReworkOrderStep>) {
          return {{"line", s.line},
                  {"quantity", s.quantity},
                  {"instruction", s.instruction},
                  {"need_time", Time(s.need_time)}};
        } else if constexpr (std::is_same_v<T, RecordReworkProgressStep>) {
          return {{"rework_order", s.order},
                  {"reworked", s.reworked},
                  {"inspected_ok", s.inspected_ok},
                  {"inspected_ng", s.inspected_ng}};
        } else if constexpr (std::is_same_v<T, CloseReworkOrderStep>) {
          return {{"rework_order", s.order}};
        } else if constexpr (std::is_same_v<T, RequestUrgentProductionStep>) {
          return {{"available_stock", s.available_stock}, {"need_time", Time(s.need_time)}};
        } else if constexpr (std::is_same_v<T, ScheduleUrgentProductionStep>) {
          return {{"production_order", s.production_order}};
        } else if constexpr (std::is_same_v<T, RecordAnalysisStep>) {
          return {{"cause", ToString(s.cause)},
                  {"findings", s.findings},
                  {"attachments", s.attachments}};
        } else {
          return json::object();
        }
      },
      step);
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace qms::returns
