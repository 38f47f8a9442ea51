#include "services/complaints/complaint.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "common/field_violations.h"
#include "common/sha256.h"

namespace qms::complaints {

absl::string_view ToString(ComplaintStatus status) {
  switch (status) {
    case ComplaintStatus::kReceived:
      return "RECEIVED";
  }
  return "RECEIVED";
}

std::optional<ComplaintStatus> ComplaintStatusFromString(absl::string_view text) {
  if (text == "RECEIVED") return ComplaintStatus::kReceived;
  return std::nullopt;
}

absl::string_view ToString(Channel channel) {
  switch (channel) {
    case Channel::kUnspecified:
      return "UNSPECIFIED";
    case Channel::kWritten:
      return "WRITTEN";
    case Channel::kOral:
      return "ORAL";
    case Channel::kPhone:
      return "PHONE";
    case Channel::kEmail:
      return "EMAIL";
  }
  return "UNSPECIFIED";
}

std::optional<Channel> ChannelFromString(absl::string_view text) {
  for (Channel c : {Channel::kUnspecified, Channel::kWritten, Channel::kOral, Channel::kPhone,
                    Channel::kEmail}) {
    if (ToString(c) == text) return c;
  }
  return std::nullopt;
}

std::string ResourceName(const Complaint& complaint) {
  return absl::StrCat("plants/", complaint.plant, "/complaints/", complaint.number);
}

std::string Etag(const Complaint& complaint) { return absl::StrCat(complaint.version); }

namespace {

void CheckText(FieldViolations& v, absl::string_view prefix, absl::string_view field,
               const std::string& value, size_t max, bool required) {
  if (required && value.empty()) {
    v.Add(absl::StrCat(prefix, field), "is required");
  } else if (value.size() > max) {
    v.Add(absl::StrCat(prefix, field), absl::StrCat("is longer than ", max, " bytes"));
  }
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
  }
  return v.ToStatus();
}

Intake WithDefaults(Intake intake, absl::Time now) {
  if (intake.received_time == absl::InfinitePast()) intake.received_time = now;
  return intake;
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
