#include "services/returns/lifecycle.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/field_violations.h"
#include "common/status_macros.h"
#include "common/text.h"

namespace qms::returns {
namespace {

using S = ReturnState;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

TimerCommand Arm(const std::string& subject, const char* policy, absl::Time start,
                 std::optional<absl::Time> due, const Return& r) {
  return {TimerCommand::Kind::kArm, subject, policy, start, due, "", r.customer};
}

TimerCommand Disarm(const std::string& subject, const char* policy) {
  return {TimerCommand::Kind::kDisarm, subject, policy, absl::InfinitePast(), std::nullopt, "", ""};
}

void CheckQuantity(FieldViolations& v, const std::string& field, int64_t q) {
  if (q < 0) {
    v.Add(field, "must not be negative");
  } else if (q > kMaxQuantity) {
    v.Add(field, absl::StrCat("must be at most ", kMaxQuantity));
  }
}

// The line a step names, or INVALID_ARGUMENT naming `field`.
absl::StatusOr<Line*> LineOf(Return& r, int line, const char* field = "line") {
  if (FindLine(r, line) == nullptr) {
    return InvalidField(
        field, absl::StrCat("the return has no line ", line, " (it has ", r.lines.size(), ")"));
  }
  return &r.lines[static_cast<size_t>(line - 1)];
}

absl::StatusOr<ReworkOrder*> OrderOf(Return& r, int order) {
  if (FindReworkOrder(r, order) == nullptr) {
    return InvalidField("rework_order", absl::StrCat("the return has no rework order ", order));
  }
  return &r.rework_orders[static_cast<size_t>(order - 1)];
}

absl::Status Open(absl::string_view what) { return absl::FailedPreconditionError(what); }

absl::StatusOr<Outcome> Receive(const Return& before, const RecordReceiptStep& s,
                                const Context& ctx) {
  FieldViolations v;
  CheckText(v, "receipt.receipt_number", s.receipt.number, kMaxCodeLength, true);
  CheckText(v, "receipt.note", s.receipt.note, kMaxTextLength, false);
  if (s.receipt.lines.empty()) v.Add("receipt.lines", "a receipt counts at least one line");
  if (s.receipt.lines.size() > kMaxLines) v.Add("receipt.lines", "too many lines");
  QMS_RETURN_IF_ERROR(v.ToStatus());
  if (before.without_goods) {
    return absl::FailedPreconditionError(
        absl::StrCat(ResourceName(before), " is a return without goods: nothing is received"));
  }
  for (const Receipt& seen : before.receipts) {
    if (seen.number != s.receipt.number) continue;
    if (seen.lines == s.receipt.lines && seen.note == s.receipt.note) {
      return Outcome{before, {}, true};
    }
    return absl::AlreadyExistsError(absl::StrCat("receipt ", s.receipt.number, " of ",
                                                 ResourceName(before),
                                                 " was recorded with other counts"));
  }
  if (before.receipts.size() >= kMaxReceipts) {
    return absl::FailedPreconditionError(
        absl::StrCat(ResourceName(before), " has ", kMaxReceipts, " receipts already"));
  }
  Outcome out{before, {}, false};
  Return& r = out.record;
  bool over = false;
  std::vector<int> seen_lines;
  for (size_t i = 0; i < s.receipt.lines.size(); ++i) {
    const ReceiptLine& rl = s.receipt.lines[i];
    const std::string at = absl::StrCat("receipt.lines[", i, "].");
    if (FindLine(r, rl.line) == nullptr) {
      v.Add(at + "line", absl::StrCat("the return has no line ", rl.line));
      continue;
    }
    if (std::find(seen_lines.begin(), seen_lines.end(), rl.line) != seen_lines.end()) {
      v.Add(at + "line", absl::StrCat("line ", rl.line, " is counted twice"));
      continue;
    }
    seen_lines.push_back(rl.line);
    if (rl.quantity <= 0 || rl.quantity > kMaxQuantity) {
      v.Add(at + "quantity", absl::StrCat("must be 1 to ", kMaxQuantity));
      continue;
    }
    Line& line = r.lines[static_cast<size_t>(rl.line - 1)];
    if (line.confirmation) {
      return absl::FailedPreconditionError(
          absl::StrCat("line ", rl.line, " is confirmed by quality: no more goods are counted"));
    }
    line.received += rl.quantity;
    if (line.received > line.announced) over = true;
  }
  if (over && s.receipt.note.empty()) {
    v.Add("receipt.note", "is required: a count goes above the announced quantity");
  }
  QMS_RETURN_IF_ERROR(v.ToStatus());
  Receipt receipt = s.receipt;
  receipt.by = ctx.actor;
  receipt.time = ctx.now;
  r.receipts.push_back(std::move(receipt));
  if (r.state == S::kRegistered) {
    r.state = S::kReceived;
    r.confirmation_due = ctx.now + kConfirmationWindow;
    out.timers.push_back(Arm(ResourceName(r), kConfirmationPolicy, ctx.now, r.confirmation_due, r));
  }
  return out;
}

absl::StatusOr<Outcome> Confirm(const Return& before, const ConfirmQualityStep& s,
                                const Context& ctx) {
  FieldViolations v;
  const Confirmation& c = s.confirmation;
  CheckQuantity(v, "nonconforming_quantity", c.nonconforming);
  CheckText(v, "notes", c.notes, kMaxTextLength, false);
  if (c.result == ConfirmationResult::kNoTroubleFound && c.nonconforming != 0) {
    v.Add("nonconforming_quantity", "must be 0 when no trouble is found");
  }
  if (c.result == ConfirmationResult::kDefectConfirmed && c.nonconforming == 0) {
    v.Add("nonconforming_quantity", "a confirmed defect has at least one nonconforming piece");
  }
  QMS_RETURN_IF_ERROR(v.ToStatus());
  Outcome out{before, {}, false};
  Return& r = out.record;
  QMS_ASSIGN_OR_RETURN(Line * line, LineOf(r, s.line));
  if (line->confirmation) {
    return absl::FailedPreconditionError(absl::StrCat("line ", s.line, " is confirmed already"));
  }
  if (ToDispose(r, *line) == 0) {
    return absl::FailedPreconditionError(
        absl::StrCat("line ", s.line, " has no goods received yet"));
  }
  if (c.nonconforming > ToDispose(r, *line)) {
    return InvalidField(
        "nonconforming_quantity",
        absl::StrCat("is more than the ", ToDispose(r, *line), " pieces of line ", s.line));
  }
  line->confirmation = c;
  line->confirmation->by = ctx.actor;
  line->confirmation->time = ctx.now;
  const bool all = std::all_of(r.lines.begin(), r.lines.end(),
                               [](const Line& l) { return l.confirmation.has_value(); });
  if (all) {
    r.state = S::kConfirmed;
    out.timers.push_back(Disarm(ResourceName(r), kConfirmationPolicy));
    if (ExplanationRequired(r)) {
      out.timers.push_back(Arm(ResourceName(r), kExplanationPolicy, ctx.now, std::nullopt, r));
    }
  }
  return out;
}

absl::StatusOr<Outcome> Explain(const Return& before, const ExplainToCustomerStep& s,
                                const Context&) {
  FieldViolations v;
  CheckText(v, "explanation", s.explanation, kMaxTextLength, true);
  QMS_RETURN_IF_ERROR(v.ToStatus());
  if (!ExplanationRequired(before)) {
    return Open("no line is confirmed as not ours: there is nothing to explain");
  }
  if (!before.explanation.empty()) return Open("the customer has been told already");
  Outcome out{before, {}, false};
  out.record.explanation = s.explanation;
  out.timers.push_back(Disarm(ResourceName(before), kExplanationPolicy));
  return out;
}

absl::StatusOr<Outcome> Dispose(const Return& before, const DisposeLineStep& s, const Context&) {
  FieldViolations v;
  const Disposition& d = s.disposition;
  CheckQuantity(v, "disposition.rework", d.rework);
  CheckQuantity(v, "disposition.scrap", d.scrap);
  CheckQuantity(v, "disposition.concession", d.concession);
  CheckQuantity(v, "disposition.return_to_customer", d.to_customer);
  CheckQuantity(v, "disposition.return_to_supplier", d.to_supplier);
  CheckText(v, "disposition.scrap_reason", d.scrap_reason, kMaxTextLength, d.scrap > 0);
  CheckText(v, "disposition.concession_reference", d.concession_reference, kMaxCodeLength,
            d.concession > 0);
  QMS_RETURN_IF_ERROR(v.ToStatus());
  Outcome out{before, {}, false};
  Return& r = out.record;
  QMS_ASSIGN_OR_RETURN(Line * line, LineOf(r, s.line));
  const int64_t open = Undisposed(r, *line);
  if (open == 0) return Open(absl::StrCat("line ", s.line, " is disposed of already"));
  if (d.Total() != open) {
    return InvalidField("disposition",
                        absl::StrCat("line ", s.line, ": the quantities add up to ", d.Total(),
                                     ", but ", open, " are to be disposed of"));
  }
  Disposition& to = line->disposition;
  to.rework += d.rework;
  to.scrap += d.scrap;
  to.concession += d.concession;
  to.to_customer += d.to_customer;
  to.to_supplier += d.to_supplier;
  if (!d.scrap_reason.empty()) to.scrap_reason = d.scrap_reason;
  if (!d.concession_reference.empty()) to.concession_reference = d.concession_reference;
  if (std::all_of(r.lines.begin(), r.lines.end(),
                  [&r](const Line& l) { return Undisposed(r, l) == 0; })) {
    r.state = S::kDisposed;
  }
  return out;
}

absl::StatusOr<Outcome> IssueRework(const Return& before, const IssueReworkOrderStep& s,
                                    const Context& ctx) {
  FieldViolations v;
  CheckText(v, "instruction", s.instruction, kMaxTextLength, true);
  if (s.quantity <= 0 || s.quantity > kMaxQuantity) {
    v.Add("quantity", absl::StrCat("must be 1 to ", kMaxQuantity));
  }
  if (s.need_time == absl::InfinitePast()) {
    v.Add("need_time", "is required: when the customer needs the goods back");
  } else if (s.need_time <= ctx.now) {
    v.Add("need_time", "must be in the future");
  }
  QMS_RETURN_IF_ERROR(v.ToStatus());
  Outcome out{before, {}, false};
  Return& r = out.record;
  QMS_ASSIGN_OR_RETURN(Line * line, LineOf(r, s.line));
  const int64_t open = line->disposition.rework - ReworkOrdered(r, s.line);
  if (s.quantity > open) {
    return InvalidField("quantity", absl::StrCat("line ", s.line, " has ", open,
                                                 " pieces for rework without an order"));
  }
  if (r.rework_orders.size() >= kMaxReworkOrders) return Open("too many rework orders");
  ReworkOrder& o = r.rework_orders.emplace_back();
  o.number = static_cast<int>(r.rework_orders.size());
  o.line = s.line;
  o.quantity = s.quantity;
  o.instruction = s.instruction;
  o.need_time = s.need_time;
  o.issued_by = ctx.actor;
  o.issue_time = ctx.now;
  out.timers.push_back(Arm(ReworkOrderName(r, o.number), kReworkPolicy, ctx.now, o.need_time, r));
  return out;
}

absl::StatusOr<Outcome> Progress(const Return& before, const RecordReworkProgressStep& s,
                                 const Context&) {
  FieldViolations v;
  CheckQuantity(v, "reworked", s.reworked);
  CheckQuantity(v, "inspected_ok", s.inspected_ok);
  CheckQuantity(v, "inspected_ng", s.inspected_ng);
  QMS_RETURN_IF_ERROR(v.ToStatus());
  Outcome out{before, {}, false};
  QMS_ASSIGN_OR_RETURN(ReworkOrder * o, OrderOf(out.record, s.order));
  if (o->state != ReworkState::kOpen) {
    return Open(absl::StrCat("rework order ", s.order, " is closed"));
  }
  if (s.reworked > o->quantity) {
    return InvalidField("reworked", absl::StrCat("is more than the order's ", o->quantity));
  }
  if (s.inspected_ok + s.inspected_ng > s.reworked) {
    return InvalidField("inspected_ok",
                        "inspected OK and NG together are more than what was reworked");
  }
  o->reworked = s.reworked;
  o->inspected_ok = s.inspected_ok;
  o->inspected_ng = s.inspected_ng;
  return out;
}

absl::StatusOr<Outcome> CloseRework(const Return& before, const CloseReworkOrderStep& s,
                                    const Context& ctx) {
  Outcome out{before, {}, false};
  Return& r = out.record;
  QMS_ASSIGN_OR_RETURN(ReworkOrder * o, OrderOf(r, s.order));
  if (o->state != ReworkState::kOpen) {
    return Open(absl::StrCat("rework order ", s.order, " is closed already"));
  }
  if (o->inspected_ok + o->inspected_ng != o->quantity) {
    return Open(absl::StrCat("rework order ", s.order, ": ", o->inspected_ok + o->inspected_ng,
                             " of ", o->quantity, " pieces are inspected"));
  }
  o->state = ReworkState::kClosed;
  o->close_time = ctx.now;
  out.timers.push_back(Disarm(ReworkOrderName(r, o->number), kReworkPolicy));
  if (o->inspected_ng > 0) {
    // NG goes back to disposition: the line has that much to dispose of again.
    r.lines[static_cast<size_t>(o->line - 1)].disposition.rework -= o->inspected_ng;
    r.state = S::kConfirmed;
  }
  return out;
}

absl::StatusOr<Outcome> RequestUrgent(const Return& before, const RequestUrgentProductionStep& s,
                                      const Context& ctx) {
  FieldViolations v;
  CheckQuantity(v, "available_stock", s.available_stock);
  if (s.need_time == absl::InfinitePast()) {
    v.Add("need_time", "is required");
  } else if (s.need_time <= ctx.now) {
    v.Add("need_time", "must be in the future");
  }
  QMS_RETURN_IF_ERROR(v.ToStatus());
  if (before.urgent) return Open("urgent production is requested already");
  const int64_t returned = ReturnedQuantity(before);
  if (s.available_stock >= returned) {
    return Open(absl::StrCat("the stock of ", s.available_stock, " replaces the ", returned,
                             " pieces returned: no urgent production is needed"));
  }
  Outcome out{before, {}, false};
  UrgentProduction& u = out.record.urgent.emplace();
  u.available_stock = s.available_stock;
  u.quantity = returned - s.available_stock;
  u.need_time = s.need_time;
  u.requested_by = ctx.actor;
  u.request_time = ctx.now;
  out.timers.push_back(Arm(ResourceName(before), kUrgentPolicy, ctx.now,
                           std::min(s.need_time, ctx.now + kUrgentScheduleWindow), before));
  return out;
}

absl::StatusOr<Outcome> ScheduleUrgent(const Return& before, const ScheduleUrgentProductionStep& s,
                                       const Context& ctx) {
  FieldViolations v;
  CheckText(v, "production_order", s.production_order, kMaxCodeLength, true);
  QMS_RETURN_IF_ERROR(v.ToStatus());
  if (!before.urgent) return Open("no urgent production is requested");
  if (before.urgent->schedule_time) return Open("urgent production is scheduled already");
  Outcome out{before, {}, false};
  out.record.urgent->production_order = s.production_order;
  out.record.urgent->schedule_time = ctx.now;
  out.timers.push_back(Disarm(ResourceName(before), kUrgentPolicy));
  return out;
}

absl::StatusOr<Outcome> Analyze(const Return& before, const RecordAnalysisStep& s,
                                const Context& ctx) {
  FieldViolations v;
  if (!s.cause_given) v.Add("cause", "is required (MAN, MACHINE, MATERIAL, METHOD, ...)");
  CheckText(v, "findings", s.findings, kMaxTextLength, true);
  if (s.attachments.size() > kMaxAttachments) {
    v.Add("attachments", absl::StrCat("at most ", kMaxAttachments));
  } else {
    for (size_t i = 0; i < s.attachments.size(); ++i) {
      CheckText(v, absl::StrCat("attachments[", i, "]"), s.attachments[i], kMaxNameLength, true);
    }
  }
  QMS_RETURN_IF_ERROR(v.ToStatus());
  if (before.analysis && before.analysis->archive_time) {
    return Open("the analysis is archived: it is kept as it is");
  }
  Outcome out{before, {}, false};
  Analysis& a = out.record.analysis.emplace();
  a.cause = s.cause;
  a.findings = s.findings;
  a.attachments = s.attachments;
  a.analyzed_by = ctx.actor;
  a.analysis_time = ctx.now;
  return out;
}

absl::StatusOr<Outcome> Archive(const Return& before, const ArchiveAnalysisStep&,
                                const Context& ctx) {
  if (!before.analysis) return Open("there is no analysis to archive");
  if (before.analysis->archive_time) return Open("the analysis is archived already");
  Outcome out{before, {}, false};
  out.record.analysis->archived_by = ctx.actor;
  out.record.analysis->archive_time = ctx.now;
  return out;
}

absl::StatusOr<Outcome> Close(const Return& before, const CloseReturnStep&, const Context& ctx) {
  std::vector<std::string> open;
  for (const ReworkOrder& o : before.rework_orders) {
    if (o.state == ReworkState::kOpen) open.push_back(absl::StrCat("rework order ", o.number));
  }
  if (ExplanationRequired(before) && before.explanation.empty()) {
    open.emplace_back("the explanation to the customer");
  }
  if (before.urgent && !before.urgent->schedule_time) open.emplace_back("urgent production");
  if (!open.empty()) {
    return Open(absl::StrCat("still open: ", absl::StrJoin(open, ", ")));
  }
  Outcome out{before, {}, false};
  out.record.state = S::kClosed;
  out.record.close_time = ctx.now;
  return out;
}

}  // namespace

std::string StepName(const Step& step) {
  return std::visit(
      Overloaded{
          [](const RecordReceiptStep&) { return "RecordReceipt"; },
          [](const ConfirmQualityStep&) { return "ConfirmQuality"; },
          [](const ExplainToCustomerStep&) { return "ExplainToCustomer"; },
          [](const DisposeLineStep&) { return "DisposeLine"; },
          [](const IssueReworkOrderStep&) { return "IssueReworkOrder"; },
          [](const RecordReworkProgressStep&) { return "RecordReworkProgress"; },
          [](const CloseReworkOrderStep&) { return "CloseReworkOrder"; },
          [](const RequestUrgentProductionStep&) { return "RequestUrgentProduction"; },
          [](const ScheduleUrgentProductionStep&) { return "ScheduleUrgentProduction"; },
          [](const RecordAnalysisStep&) { return "RecordAnalysis"; },
          [](const ArchiveAnalysisStep&) { return "ArchiveAnalysis"; },
          [](const CloseReturnStep&) { return "CloseReturn"; },
      },
      step);
}

std::vector<ReturnState> AllowedFrom(const Step& step) {
  return std::visit(
      Overloaded{
          [](const RecordReceiptStep&) {
            return std::vector<S>{S::kRegistered, S::kReceived};
          },
          [](const ConfirmQualityStep&) { return std::vector<S>{S::kReceived}; },
          [](const ExplainToCustomerStep&) {
            return std::vector<S>{S::kConfirmed, S::kDisposed};
          },
          [](const DisposeLineStep&) { return std::vector<S>{S::kConfirmed}; },
          [](const IssueReworkOrderStep&) {
            return std::vector<S>{S::kConfirmed, S::kDisposed};
          },
          [](const RecordReworkProgressStep&) {
            return std::vector<S>{S::kConfirmed, S::kDisposed};
          },
          [](const CloseReworkOrderStep&) {
            return std::vector<S>{S::kConfirmed, S::kDisposed};
          },
          [](const RequestUrgentProductionStep&) {
            return std::vector<S>{S::kRegistered, S::kReceived, S::kConfirmed, S::kDisposed};
          },
          [](const ScheduleUrgentProductionStep&) {
            return std::vector<S>{S::kRegistered, S::kReceived, S::kConfirmed, S::kDisposed};
          },
          [](const RecordAnalysisStep&) {
            return std::vector<S>{S::kReceived, S::kConfirmed, S::kDisposed, S::kClosed};
          },
          [](const ArchiveAnalysisStep&) {
            return std::vector<S>{S::kReceived, S::kConfirmed, S::kDisposed, S::kClosed};
          },
          [](const CloseReturnStep&) { return std::vector<S>{S::kDisposed}; },
      },
      step);
}

absl::StatusOr<Outcome> Apply(const Return& record, const Step& step, const Context& context) {
  const std::vector<ReturnState> allowed = AllowedFrom(step);
  if (std::find(allowed.begin(), allowed.end(), record.state) == allowed.end()) {
    std::vector<std::string> names;
    for (ReturnState s : allowed) names.emplace_back(ToString(s));
    return absl::FailedPreconditionError(
        absl::StrCat(StepName(step), " is not allowed: ", ResourceName(record), " is ",
                     ToString(record.state), ", the step needs ", absl::StrJoin(names, " or ")));
  }
  return std::visit(
      Overloaded{
          [&](const RecordReceiptStep& s) { return Receive(record, s, context); },
          [&](const ConfirmQualityStep& s) { return Confirm(record, s, context); },
          [&](const ExplainToCustomerStep& s) { return Explain(record, s, context); },
          [&](const DisposeLineStep& s) { return Dispose(record, s, context); },
          [&](const IssueReworkOrderStep& s) { return IssueRework(record, s, context); },
          [&](const RecordReworkProgressStep& s) { return Progress(record, s, context); },
          [&](const CloseReworkOrderStep& s) { return CloseRework(record, s, context); },
          [&](const RequestUrgentProductionStep& s) { return RequestUrgent(record, s, context); },
          [&](const ScheduleUrgentProductionStep& s) { return ScheduleUrgent(record, s, context); },
          [&](const RecordAnalysisStep& s) { return Analyze(record, s, context); },
          [&](const ArchiveAnalysisStep& s) { return Archive(record, s, context); },
          [&](const CloseReturnStep& s) { return Close(record, s, context); },
      },
      step);
}

Outcome Register(const Return& draft, const Context& context) {
  Outcome out{draft, {}, false};
  Return& r = out.record;
  for (size_t i = 0; i < r.lines.size(); ++i) {
    r.lines[i].number = static_cast<int>(i + 1);
    r.lines[i].received = 0;
    r.lines[i].confirmation.reset();
    r.lines[i].disposition = Disposition{};
  }
  r.receipts.clear();
  r.rework_orders.clear();
  r.urgent.reset();
  r.analysis.reset();
  r.explanation.clear();
  r.close_time.reset();
  r.version = 1;
  r.create_time = r.update_time = context.now;
  r.state = S::kRegistered;
  r.confirmation_due.reset();
  if (r.without_goods) {
    r.state = S::kReceived;
    r.confirmation_due = context.now + kConfirmationWindow;
    out.timers.push_back(
        Arm(ResourceName(r), kConfirmationPolicy, context.now, r.confirmation_due, r));
  }
  return out;
}

}  // namespace qms::returns
