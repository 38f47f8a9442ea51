#include "common/field_violations.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace qms {
namespace {
// Payload format: one "field\tdescription" per line; neither part contains tab or newline.
constexpr char kPayloadType[] = "qms/field-violations";

std::string Clean(std::string s) {
  for (char& c : s) {
    if (c == '\t' || c == '\n') c = ' ';
  }
  return s;
}

// At most `max` bytes of `s`, cut before a UTF-8 continuation byte, "..." marking the cut.
std::string Bounded(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t end = max - 3;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end) + "...";
}
}  // namespace

void FieldViolations::Add(std::string field, std::string description) {
  violations_.push_back({Clean(std::move(field)), Clean(std::move(description))});
}

absl::Status FieldViolations::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  std::string message;
  std::string payload;
  size_t in_message = 0;
  for (size_t i = 0; i < violations_.size() && i < kMaxReportedViolations; ++i) {
    const std::string field = Bounded(violations_[i].field, kMaxReportedFieldBytes);
    const std::string description =
        Bounded(violations_[i].description, kMaxReportedDescriptionBytes);
    absl::StrAppend(&payload, field, "\t", description, "\n");
    const std::string part = absl::StrCat(field, ": ", description);
    if (message.size() + part.size() + 2 <= kMaxMessageBytes) {
      absl::StrAppend(&message, message.empty() ? "" : "; ", part);
      ++in_message;
    }
  }
  if (in_message < violations_.size()) {
    absl::StrAppend(&message, "; ... and ", violations_.size() - in_message, " more");
  }
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kPayloadType, absl::Cord(payload));
  return status;
}

absl::Status InvalidField(std::string field, std::string description) {
  FieldViolations v;
  v.Add(std::move(field), std::move(description));
  return v.ToStatus();
}

std::vector<FieldViolation> ViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> out;
  auto payload = status.GetPayload(kPayloadType);
  if (!payload) return out;
  for (absl::string_view line : absl::StrSplit(std::string(*payload), '\n', absl::SkipEmpty())) {
    std::pair<std::string, std::string> parts = absl::StrSplit(line, absl::MaxSplits('\t', 1));
    out.push_back({std::move(parts.first), std::move(parts.second)});
  }
  return out;
}

}  // namespace qms
