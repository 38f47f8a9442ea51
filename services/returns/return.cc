#include "services/returns/return.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/enum_names.h"
#include "common/field_violations.h"
#include "common/resource_name.h"
#include "common/sha256.h"
#include "common/text.h"

namespace qms::returns {
namespace {

constexpr EnumName<ReturnState> kStates[] = {{ReturnState::kRegistered, "REGISTERED"},
                                             {ReturnState::kReceived, "RECEIVED"},
                                             {ReturnState::kConfirmed, "CONFIRMED"},
                                             {ReturnState::kDisposed, "DISPOSED"},
                                             {ReturnState::kClosed, "CLOSED"}};
constexpr EnumName<ConfirmationResult> kResults[] = {
    {ConfirmationResult::kDefectConfirmed, "DEFECT_CONFIRMED"},
    {ConfirmationResult::kNoTroubleFound, "NO_TROUBLE_FOUND"}};
constexpr EnumName<Responsibility> kResponsibilities[] = {{Responsibility::kOurs, "OURS"},
                                                          {Responsibility::kNotOurs, "NOT_OURS"}};
constexpr EnumName<Cause> kCauses[] = {{Cause::kMan, "MAN"},
                                       {Cause::kMachine, "MACHINE"},
                                       {Cause::kMaterial, "MATERIAL"},
                                       {Cause::kMethod, "METHOD"},
                                       {Cause::kMeasurement, "MEASUREMENT"},
                                       {Cause::kEnvironment, "ENVIRONMENT"}};
constexpr EnumName<ReworkState> kReworkStates[] = {{ReworkState::kOpen, "REWORK_OPEN"},
                                                   {ReworkState::kClosed, "REWORK_CLOSED"}};

}  // namespace

absl::string_view ToString(ReturnState v) { return NameIn(kStates, v); }
absl::string_view ToString(ConfirmationResult v) { return NameIn(kResults, v); }
absl::string_view ToString(Responsibility v) { return NameIn(kResponsibilities, v); }
absl::string_view ToString(Cause v) { return NameIn(kCauses, v); }
absl::string_view ToString(ReworkState v) { return NameIn(kReworkStates, v); }
std::optional<ReturnState> ReturnStateFromString(absl::string_view t) {
  return ValueIn(kStates, t);
}
std::optional<ConfirmationResult> ConfirmationResultFromString(absl::string_view t) {
  return ValueIn(kResults, t);
}
std::optional<Responsibility> ResponsibilityFromString(absl::string_view t) {
  return ValueIn(kResponsibilities, t);
}
std::optional<Cause> CauseFromString(absl::string_view t) { return ValueIn(kCauses, t); }
std::optional<ReworkState> ReworkStateFromString(absl::string_view t) {
  return ValueIn(kReworkStates, t);
}

std::string ResourceName(const Return& r) {
  return absl::StrCat("plants/", r.plant, "/returns/", r.number);
}

std::string ReworkOrderName(const Return& r, int order) {
  return absl::StrCat(ResourceName(r), "/reworkOrders/", order);
}

std::string FormatNumber(absl::string_view plant, int year, int64_t sequence) {
  return absl::StrFormat("%s-R-%04d-%05d", plant, year, sequence);
}

int64_t ToDispose(const Return& r, const Line& line) {
  return r.without_goods ? line.announced : line.received;
}

int64_t ReworkOrdered(const Return& r, int line) {
  int64_t ordered = 0;
  for (const ReworkOrder& o : r.rework_orders) {
    if (o.line != line) continue;
    ordered += o.state == ReworkState::kOpen ? o.quantity : o.inspected_ok;
  }
  return ordered;
}

bool ExplanationRequired(const Return& r) {
  return std::any_of(r.lines.begin(), r.lines.end(), [](const Line& l) {
    return l.confirmation && l.confirmation->responsibility == Responsibility::kNotOurs;
  });
}

std::optional<absl::Time> NextDue(const Return& r) {
  std::optional<absl::Time> due;
  const auto consider = [&due](absl::Time t) {
    if (!due || t < *due) due = t;
  };
  if (r.state == ReturnState::kReceived && r.confirmation_due) consider(*r.confirmation_due);
  for (const ReworkOrder& o : r.rework_orders) {
    if (o.state == ReworkState::kOpen) consider(o.need_time);
  }
  if (r.urgent && !r.urgent->schedule_time) consider(r.urgent->need_time);
  return due;
}

int64_t ReturnedQuantity(const Return& r) {
  int64_t total = 0;
  for (const Line& l : r.lines) total += std::max(l.received, l.announced);
  return total;
}

const Line* FindLine(const Return& r, int line) {
  if (line < 1 || static_cast<size_t>(line) > r.lines.size()) return nullptr;
  return &r.lines[static_cast<size_t>(line - 1)];
}

const ReworkOrder* FindReworkOrder(const Return& r, int order) {
  if (order < 1 || static_cast<size_t>(order) > r.rework_orders.size()) return nullptr;
  return &r.rework_orders[static_cast<size_t>(order - 1)];
}

absl::Status ValidateNewReturn(const Return& r, absl::string_view prefix) {
  FieldViolations v;
  const auto field = [prefix](absl::string_view name) { return absl::StrCat(prefix, name); };
  CheckText(v, field("customer"), r.customer, kMaxCodeLength, true);
  if (r.bulk && !r.complaint.empty()) {
    v.Add(field("complaint"), "a bulk return belongs to no complaint");
  } else if (!r.bulk && r.complaint.empty()) {
    v.Add(field("complaint"), "is required unless the return is bulk");
  } else if (!r.complaint.empty()) {
    auto ids = ParseResourceName(field("complaint"), r.complaint, {"plants", "complaints"});
    if (!ids.ok()) {
      v.Add(field("complaint"), "must be plants/{plant}/complaints/{number}");
    } else if ((*ids)[0] != r.plant) {
      v.Add(field("complaint"),
            absl::StrCat("is a complaint of plant ", (*ids)[0], ", not of ", r.plant));
    } else if (r.complaint.size() > kMaxNameLength) {
      v.Add(field("complaint"), "is too long");
    }
  }
  if (r.lines.empty()) v.Add(field("lines"), "a return has at least one line");
  if (r.lines.size() > kMaxLines) {
    v.Add(field("lines"), absl::StrCat("at most ", kMaxLines, " lines"));
  } else {
    for (size_t i = 0; i < r.lines.size(); ++i) {
      const Line& l = r.lines[i];
      const std::string at = absl::StrCat(prefix, "lines[", i, "].");
      CheckText(v, at + "part_number", l.part_number, kMaxCodeLength, true);
      CheckText(v, at + "order_number", l.order_number, kMaxCodeLength, false);
      CheckText(v, at + "reason_code", l.reason_code, kMaxCodeLength, true);
      if (l.announced <= 0 || l.announced > kMaxQuantity) {
        v.Add(at + "announced_quantity", absl::StrCat("must be 1 to ", kMaxQuantity));
      }
      if (l.lots.size() > kMaxLots) {
        v.Add(at + "lots", absl::StrCat("at most ", kMaxLots, " lot or serial numbers"));
      } else {
        for (size_t k = 0; k < l.lots.size(); ++k) {
          CheckText(v, absl::StrCat(at, "lots[", k, "]"), l.lots[k], kMaxCodeLength, true);
        }
      }
    }
  }
  return v.ToStatus();
}

std::string Fingerprint(const Return& r) {
  std::string text;
  const auto add = [&text](absl::string_view s) { absl::StrAppend(&text, s.size(), ":", s, ";"); };
  add(r.plant);
  add(r.customer);
  add(r.complaint);
  add(absl::StrCat(r.bulk, r.without_goods, r.lines.size()));
  for (const Line& l : r.lines) {
    add(l.part_number);
    add(l.order_number);
    add(l.reason_code);
    add(absl::StrCat(l.announced, "/", l.lots.size()));
    for (const std::string& lot : l.lots) add(lot);
  }
  return Sha256Hex(text);
}

}  // namespace qms::returns
