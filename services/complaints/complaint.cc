#include "services/complaints/complaint.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/field_violations.h"
#include "common/sha256.h"
#include "common/text.h"

namespace qms::complaints {

namespace {

// Each enum's names, in one table: ToString and FromString both read it.
template <typename E>
struct Names {
  static const std::vector<std::pair<E, absl::string_view>> table;
};

template <>
const std::vector<std::pair<ComplaintStatus, absl::string_view>> Names<ComplaintStatus>::table = {
    {ComplaintStatus::kReceived, "RECEIVED"},
    {ComplaintStatus::kTriaged, "TRIAGED"},
    {ComplaintStatus::kContained, "CONTAINED"},
    {ComplaintStatus::kRootCauseIdentified, "ROOT_CAUSE_IDENTIFIED"},
    {ComplaintStatus::kActionsProposed, "ACTIONS_PROPOSED"},
    {ComplaintStatus::kActionsRejected, "ACTIONS_REJECTED"},
    {ComplaintStatus::kApproved, "APPROVED"},
    {ComplaintStatus::kReplied, "REPLIED"},
    {ComplaintStatus::kClosed, "CLOSED"},
    {ComplaintStatus::kReopened, "REOPENED"}};
template <>
const std::vector<std::pair<Channel, absl::string_view>> Names<Channel>::table = {
    {Channel::kUnspecified, "UNSPECIFIED"},
    {Channel::kWritten, "WRITTEN"},
    {Channel::kOral, "ORAL"},
    {Channel::kPhone, "PHONE"},
    {Channel::kEmail, "EMAIL"}};
template <>
const std::vector<std::pair<Severity, absl::string_view>> Names<Severity>::table = {
    {Severity::kUnspecified, "UNSPECIFIED"},
    {Severity::kMinor, "MINOR"},
    {Severity::kMajor, "MAJOR"},
    {Severity::kCritical, "CRITICAL"}};
template <>
const std::vector<std::pair<CauseCategory, absl::string_view>> Names<CauseCategory>::table = {
    {CauseCategory::kUnspecified, "UNSPECIFIED"}, {CauseCategory::kMan, "MAN"},
    {CauseCategory::kMachine, "MACHINE"},         {CauseCategory::kMaterial, "MATERIAL"},
    {CauseCategory::kMethod, "METHOD"},           {CauseCategory::kMeasurement, "MEASUREMENT"},
    {CauseCategory::kEnvironment, "ENVIRONMENT"}};
template <>
const std::vector<std::pair<ActionStatus, absl::string_view>> Names<ActionStatus>::table = {
    {ActionStatus::kOpen, "OPEN"}, {ActionStatus::kDone, "DONE"}};
template <>
const std::vector<std::pair<WaiverReason, absl::string_view>> Names<WaiverReason>::table = {
    {WaiverReason::kUnspecified, "UNSPECIFIED"},
    {WaiverReason::kNotEconomical, "NOT_ECONOMICAL"},
    {WaiverReason::kNoPotentialCause, "NO_POTENTIAL_CAUSE"}};
template <>
const std::vector<std::pair<SeriousReason, absl::string_view>> Names<SeriousReason>::table = {
    {SeriousReason::kReturnOrExchange, "RETURN_OR_EXCHANGE"},
    {SeriousReason::kSameDefectSeveralCustomers, "SAME_DEFECT_SEVERAL_CUSTOMERS"},
    {SeriousReason::kRepeatedByCustomer, "REPEATED_BY_CUSTOMER"}};

template <typename E>
absl::string_view NameOf(E value) {
  for (const auto& [v, name] : Names<E>::table) {
    if (v == value) return name;
  }
  return "UNKNOWN";
}

template <typename E>
std::optional<E> ValueOf(absl::string_view text) {
  for (const auto& [v, name] : Names<E>::table) {
    if (name == text) return v;
  }
  return std::nullopt;
}

}  // namespace

absl::string_view ToString(ComplaintStatus v) { return NameOf(v); }
absl::string_view ToString(Channel v) { return NameOf(v); }
absl::string_view ToString(Severity v) { return NameOf(v); }
absl::string_view ToString(CauseCategory v) { return NameOf(v); }
absl::string_view ToString(ActionStatus v) { return NameOf(v); }
absl::string_view ToString(WaiverReason v) { return NameOf(v); }
absl::string_view ToString(SeriousReason v) { return NameOf(v); }
std::optional<ComplaintStatus> ComplaintStatusFromString(absl::string_view t) {
  return ValueOf<ComplaintStatus>(t);
}
std::optional<Channel> ChannelFromString(absl::string_view t) { return ValueOf<Channel>(t); }
std::optional<Severity> SeverityFromString(absl::string_view t) { return ValueOf<Severity>(t); }
std::optional<CauseCategory> CauseCategoryFromString(absl::string_view t) {
  return ValueOf<CauseCategory>(t);
}
std::optional<ActionStatus> ActionStatusFromString(absl::string_view t) {
  return ValueOf<ActionStatus>(t);
}
std::optional<WaiverReason> WaiverReasonFromString(absl::string_view t) {
  return ValueOf<WaiverReason>(t);
}
std::optional<SeriousReason> SeriousReasonFromString(absl::string_view t) {
  return ValueOf<SeriousReason>(t);
}

bool Action::operator==(const Action& o) const {
  return description == o.description && responsible_department == o.responsible_department &&
         owner == o.owner && due_date == o.due_date && status == o.status && evidence == o.evidence;
}
bool TeamMember::operator==(const TeamMember& o) const {
  return name == o.name && department == o.department && role == o.role;
}
bool ProblemStatement::operator==(const ProblemStatement& o) const {
  return what == o.what && where == o.where && when == o.when && who == o.who && why == o.why &&
         how == o.how && how_many == o.how_many;
}

bool Actor::Has(absl::string_view role) const {
  for (const auto& r : roles) {
    if (r == role) return true;
  }
  return false;
}

absl::Time CorrectiveActionDue(const Intake& intake, const Calendar& calendar) {
  if (intake.customer_required_reply_time) return *intake.customer_required_reply_time;
  absl::StatusOr<absl::Time> due =
      Deadline(calendar, intake.received_time, Span{Unit::kWorkingDays, {}, 3});
  // Only a calendar without working time fails (the plants file refuses one): then the record
  // says "no date" rather than a wrong one; the timer's own refusal is in the outbox.
  return due.ok() ? *due : absl::InfinitePast();
}

std::string ResourceName(const Complaint& complaint) {
  return absl::StrCat("plants/", complaint.plant, "/complaints/", complaint.number);
}

std::string Etag(const Complaint& complaint) { return absl::StrCat(complaint.version); }

namespace {

void CheckText(FieldViolations& v, absl::string_view prefix, absl::string_view field,
               const std::string& value, size_t max, bool required) {
  qms::CheckText(v, absl::StrCat(prefix, field), value, max, required);
}

const absl::Time kEarliest = absl::FromCivil(absl::CivilDay(2000, 1, 1), absl::UTCTimeZone());
const absl::Time kLatest = absl::FromCivil(absl::CivilDay(2200, 1, 1), absl::UTCTimeZone());

}  // namespace

absl::Status ValidateIntake(const Intake& in, absl::Time now, absl::string_view prefix) {
  FieldViolations v;
  CheckText(v, prefix, "customer", in.customer, kMaxCodeLength, true);
  CheckText(v, prefix, "customer_contact", in.customer_contact, kMaxContactLength, false);
  CheckText(v, prefix, "part_number", in.part_number, kMaxCodeLength, true);
  CheckText(v, prefix, "order_number", in.order_number, kMaxCodeLength, false);
  CheckText(v, prefix, "lot_number", in.lot_number, kMaxCodeLength, false);
  CheckText(v, prefix, "defect_code", in.defect_code, kMaxDefectCodeLength, false);
  CheckText(v, prefix, "defect_description", in.defect_description, kMaxDescriptionLength, true);
  if (!in.delivery_date.empty()) {
    absl::CivilDay day;
    if (in.delivery_date.size() != 10 || !absl::ParseCivilTime(in.delivery_date, &day) ||
        day.year() < 2000 || day.year() > 2199) {
      v.Add(absl::StrCat(prefix, "delivery_date"), "must be a date YYYY-MM-DD from 2000 on");
    }
  }
  if (in.quantity_delivered < 0) {
    v.Add(absl::StrCat(prefix, "quantity_delivered"), "must not be negative");
  }
  if (in.quantity_defective < 0) {
    v.Add(absl::StrCat(prefix, "quantity_defective"), "must not be negative");
  } else if (in.quantity_delivered > 0 && in.quantity_defective > in.quantity_delivered) {
    v.Add(absl::StrCat(prefix, "quantity_defective"), "exceeds quantity_delivered");
  }
  if (in.channel == Channel::kUnspecified) {
    v.Add(absl::StrCat(prefix, "channel"), "is required (WRITTEN, ORAL, PHONE or EMAIL)");
  }
  if (in.received_time != absl::InfinitePast() &&
      (in.received_time < kEarliest || in.received_time > now + absl::Minutes(5))) {
    v.Add(absl::StrCat(prefix, "received_time"), "must be after 2000 and not in the future");
  }
  if (in.customer_required_reply_time && (*in.customer_required_reply_time < kEarliest ||
                                          *in.customer_required_reply_time > kLatest)) {
    v.Add(absl::StrCat(prefix, "customer_required_reply_time"), "is out of range");
  } else if (in.customer_required_reply_time) {
    // A reply owed before the complaint arrived is a typing error; accepted, it would leave the
    // complaint without a corrective-action timer (notifications refuses a due before start).
    // An intake without received_time is received now (the database clock, a moment later).
    const absl::Time received = in.received_time != absl::InfinitePast() ? in.received_time : now;
    if (*in.customer_required_reply_time <= received) {
      v.Add(absl::StrCat(prefix, "customer_required_reply_time"),
            "must be after the complaint's received_time");
    }
  }
  return v.ToStatus();
}

std::string FormatNumber(absl::string_view plant, int year, int64_t sequence) {
  return absl::StrFormat("%s-%04d-%05d", plant, year, sequence);
}

std::string Fingerprint(absl::string_view plant, const Intake& in) {
  // Length-prefixed fields: no choice of separator can make two different intakes collide.
  std::string text;
  auto add = [&text](absl::string_view s) { absl::StrAppend(&text, s.size(), ":", s, ";"); };
  add(plant);
  add(in.customer);
  add(in.customer_contact);
  add(in.part_number);
  add(in.order_number);
  add(in.lot_number);
  add(in.delivery_date);
  add(absl::StrCat(in.quantity_delivered));
  add(absl::StrCat(in.quantity_defective));
  add(in.defect_code);
  add(in.defect_description);
  add(absl::StrCat(in.goods_returned, in.customer_production_affected,
                   in.customer_delivery_affected));
  add(in.customer_required_reply_time ? absl::FormatTime(*in.customer_required_reply_time) : "");
  add(ToString(in.channel));
  add(absl::FormatTime(in.received_time));
  return Sha256Hex(text);
}

}  // namespace qms::complaints
