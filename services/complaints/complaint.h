// A customer complaint as the plant registers it (domain brief §1): plain data and the rules on
// it, with no I/O, so that everything here is tested without a database or a network.
#ifndef QMS_SERVICES_COMPLAINTS_COMPLAINT_H_
#define QMS_SERVICES_COMPLAINTS_COMPLAINT_H_

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace qms::complaints {

enum class ComplaintStatus {
  kReceived,  // registered; the complaint meeting has not yet been held
};

// How the customer's statement reached us.
enum class Channel { kUnspecified, kWritten, kOral, kPhone, kEmail };

absl::string_view ToString(ComplaintStatus status);
std::optional<ComplaintStatus> ComplaintStatusFromString(absl::string_view text);
absl::string_view ToString(Channel channel);
std::optional<Channel> ChannelFromString(absl::string_view text);

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

struct Complaint {
  std::string plant;
  std::string number;
  ComplaintStatus status = ComplaintStatus::kReceived;
  Intake intake;
  int64_t version = 1;  // the etag
  absl::Time create_time;
  absl::Time update_time;
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

// Fills what the caller may omit: received_time defaults to `now`.
Intake WithDefaults(Intake intake, absl::Time now);

// "SZ1-2026-00042": the plant, the year the complaint was received in the plant's time zone,
// and the sequence within that plant and year.
std::string FormatNumber(absl::string_view plant, int year, int64_t sequence);

// The canonical text of an intake: equal intakes, and only those, give equal fingerprints. Used
// to tell a retried create (same request_id, same content) from a reused request_id.
std::string Fingerprint(absl::string_view plant, const Intake& intake);

}  // namespace qms::complaints

#endif  // QMS_SERVICES_COMPLAINTS_COMPLAINT_H_
