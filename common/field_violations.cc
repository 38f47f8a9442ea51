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
}  // namespace

void FieldViolations::Add(std::string field, std::string description) {
  violations_.push_back({Clean(std::move(field)), Clean(std::move(description))});
}

absl::Status FieldViolations::ToStatus() const {
  if (violations_.empty()) return absl::OkStatus();
  std::string message;
  std::string payload;
  for (const auto& v : violations_) {
    absl::StrAppend(&message, message.empty() ? "" : "; ", v.field, ": ", v.description);
    absl::StrAppend(&payload, v.field, "\t", v.description, "\n");
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
