// A customer complaint as the plant registers it (domain brief §1): plain data and the rules on
// it, with no I/O, so that everything here is tested without a database or a network.
#ifndef QMS_SERVICES_COMPLAINTS_COMPLAINT_H_
#define QMS_SERVICES_COMPLAINTS_COMPLAINT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "common/calendar.h"

namespace qms::complaints {

// Where a complaint stands in the 8D flow of domain brief §1. See lifecycle.h for the moves.
enum class ComplaintStatus {
  kReceived,             // registered; the complaint meeting has not yet been held
  kTriaged,              // meeting held: responsible department, severity, team (D1), problem (D2)
  kContained,            // temporary countermeasure (D3) submitted
  kRootCauseIdentified,  // root cause (D4) submitted
  kActionsProposed,      // corrective (D5/D6) and preventive (D7) actions await the GM (核决)
  kActionsRejected,      // the GM sent the actions back with comments
  kApproved,             // the GM approved the actions
  kReplied,   // the corrective/preventive reply went to the customer; awaiting verification
  kClosed,    // verified effective (D8, 结案)
  kReopened,  // the customer was not satisfied; continued in the "-N" complaint
};
inline constexpr ComplaintStatus kAllStatuses[] = {
    ComplaintStatus::kReceived,        ComplaintStatus::kTriaged,
    ComplaintStatus::kContained,       ComplaintStatus::kRootCauseIdentified,
    ComplaintStatus::kActionsProposed, ComplaintStatus::kActionsRejected,
    ComplaintStatus::kApproved,        ComplaintStatus::kReplied,
    ComplaintStatus::kClosed,          ComplaintStatus::kReopened};

enum class Severity { kUnspecified, kMinor, kMajor, kCritical };
// 5M1E: where the root cause lies.
enum class CauseCategory {
  kUnspecified,
  kMan,
  kMachine,
  kMaterial,
  kMethod,
  kMeasurement,
  kEnvironment
};
enum class ActionStatus { kOpen, kDone };
// Why the GM may waive a preventive action (domain brief §1).
enum class WaiverReason { kUnspecified, kNotEconomical, kNoPotentialCause };
// Why a complaint is serious (严重投诉).
enum class SeriousReason { kReturnOrExchange, kSameDefectSeveralCustomers, kRepeatedByCustomer };

// How the customer's statement reached us.
enum class Channel { kUnspecified, kWritten, kOral, kPhone, kEmail };

absl::string_view ToString(ComplaintStatus status);
std::optional<ComplaintStatus> ComplaintStatusFromString(absl::string_view text);
absl::string_view ToString(Channel channel);
std::optional<Channel> ChannelFromString(absl::string_view text);
absl::string_view ToString(Severity v);
absl::string_view ToString(CauseCategory v);
absl::string_view ToString(ActionStatus v);
absl::string_view ToString(WaiverReason v);
absl::string_view ToString(SeriousReason v);
// Inverse of ToString for each enum; nullopt for text no value has.
std::optional<Severity> SeverityFromString(absl::string_view text);
std::optional<CauseCategory> CauseCategoryFromString(absl::string_view text);
std::optional<ActionStatus> ActionStatusFromString(absl::string_view text);
std::optional<WaiverReason> WaiverReasonFromString(absl::string_view text);
std::optional<SeriousReason> SeriousReasonFromString(absl::string_view text);

// What sales records when the complaint arrives (客户抱怨处理总表 columns).
struct Intake {
  std::string customer;
  std::string customer_contact;
  std::string part_number;
  std::string order_number;
  std::string lot_number;
  std::string delivery_date;  // YYYY-MM-DD or empty
  int64_t quantity_delivered = 0;
  int64_t quantity_defective = 0;
  std::string defect_code;
  std::string defect_description;
  bool goods_returned = false;
  bool customer_production_affected = false;
  bool customer_delivery_affected = false;
  std::optional<absl::Time> customer_required_reply_time;
  Channel channel = Channel::kUnspecified;
  absl::Time received_time = absl::InfinitePast();  // InfinitePast: not given
};

// One action of D3, D5/D6 or D7.
struct Action {
  std::string description;
  std::string responsible_department;
  std::string owner;
  std::string due_date;  // YYYY-MM-DD
  ActionStatus status = ActionStatus::kOpen;
  std::string evidence;

  bool operator==(const Action& o) const;
};

struct TeamMember {
  std::string name;
  std::string department;
  std::string role;
  bool operator==(const TeamMember& o) const;
};

// D2 as a 5W2H problem statement.
struct ProblemStatement {
  std::string what, where, when, who, why, how, how_many;
  bool operator==(const ProblemStatement& o) const;
};

// The outcome of the complaint meeting (追踪一览表 entry), with D1 and D2.
struct Triage {
  std::string responsible_department;
  Severity severity = Severity::kUnspecified;
  std::string meeting_notes;
  std::vector<TeamMember> team;
  ProblemStatement problem;
};

// D3: the temporary countermeasure and where suspect stock was contained.
struct Containment {
  std::vector<Action> actions;
  int64_t quantity_quarantined_at_site = 0;
  int64_t quantity_sorted_at_site = 0;
  int64_t quantity_in_transit = 0;
  int64_t quantity_at_customer = 0;
};

// D4: 5-Why on three levels, and the 5M1E category.
struct RootCause {
  std::vector<std::string> why_occurred;
  std::vector<std::string> why_not_detected;
  std::vector<std::string> why_not_prevented;
  CauseCategory category = CauseCategory::kUnspecified;
  std::string summary;
};

struct PreventiveWaiver {
  WaiverReason reason = WaiverReason::kUnspecified;
  std::string explanation;
  std::string approved_by;
  absl::Time approve_time;
};

// A GM decision (核决) on the proposed actions.
struct Decision {
  bool approved = false;
  std::string comments;
  std::string decided_by;
  absl::Time decide_time;
};

struct Reply {
  std::string text;
  std::string replied_by;
  absl::Time reply_time;
};

struct Verification {
  bool effective = false;
  std::string notes;
  std::string new_improvement_date;  // when not effective
  std::string verified_by;
  absl::Time verify_time;
};

// Who does something. Roles are the domain brief's (sales, quality, general_manager, ...).
struct Actor {
  std::string subject;
  std::vector<std::string> roles;
  bool Has(absl::string_view role) const;
};

inline constexpr char kGeneralManager[] = "general_manager";

struct Complaint {
  std::string plant;
  std::string number;
  ComplaintStatus status = ComplaintStatus::kReceived;
  Intake intake;
  int64_t version = 1;  // the etag
  absl::Time create_time;
  absl::Time update_time;

  // The 8D record, filled step by step.
  std::optional<Triage> triage;
  std::optional<Containment> containment;
  std::optional<RootCause> root_cause;
  std::vector<Action> corrective_actions;  // D5/D6
  std::vector<Action> preventive_actions;  // D7
  std::optional<PreventiveWaiver> preventive_waiver;
  std::vector<Decision> decisions;
  std::optional<Reply> reply;
  std::vector<Verification> verifications;
  std::string improvement_date;  // YYYY-MM-DD; when effectiveness is verified next

  // Response times, for the statistics (UTC).
  std::optional<absl::Time> contain_time;
  std::optional<absl::Time> reply_time;
  std::optional<absl::Time> close_time;
  // When the corrective action is due: the customer's date, or 3 working days after receipt.
  absl::Time corrective_action_due;

  std::vector<SeriousReason> serious_reasons;  // empty: not serious
  std::string reopened_from;                   // number of the complaint this one continues
  std::string reopened_as;                     // number of the complaint that continues this one
  int reopen_index = 0;                        // 0 for an original complaint, N for "<original>-N"
};

// "plants/{plant}/complaints/{number}"
std::string ResourceName(const Complaint& complaint);
std::string Etag(const Complaint& complaint);

// Field limits, shared with the schema (migrations/0001_complaints.sql).
inline constexpr size_t kMaxCodeLength = 64;  // part, order, lot numbers; customer
inline constexpr size_t kMaxDefectCodeLength = 32;
inline constexpr size_t kMaxContactLength = 256;
inline constexpr size_t kMaxDescriptionLength = 4000;
inline constexpr size_t kMaxRequestIdLength = 64;

// Checks an intake before it is registered. `now` bounds received_time: a complaint cannot be
// received in the future (5 minutes of clock skew allowed) nor before 2000. INVALID_ARGUMENT
// naming every offending field under `prefix` (e.g. "complaint.customer").
absl::Status ValidateIntake(const Intake& intake, absl::Time now,
                            absl::string_view prefix = "complaint.");

// The corrective action is due at the customer's required reply time when given, otherwise 3
// working days after receipt in the plant's calendar: the close of the third working day after
// the day of receipt (common/calendar.h), as the notification service's timer places it.
absl::Time CorrectiveActionDue(const Intake& intake, const Calendar& calendar);
inline constexpr absl::Duration kContainmentWindow = absl::Hours(24);

// "SZ1-2026-00042": the plant, the year the complaint was received in the plant's time zone,
// and the sequence within that plant and year.
std::string FormatNumber(absl::string_view plant, int year, int64_t sequence);

// The canonical text of an intake: equal intakes, and only those, give equal fingerprints. Used
// to tell a retried create (same request_id, same content) from a reused request_id.
std::string Fingerprint(absl::string_view plant, const Intake& intake);

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_COMPLAINT_H_
