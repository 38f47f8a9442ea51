#include "common/resource_name.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/field_violations.h"

namespace qms {

bool IsValidPlantCode(absl::string_view plant) {
  if (plant.size() < 2 || plant.size() > 16) return false;
  if (plant[0] < 'A' || plant[0] > 'Z') return false;
  for (char c : plant) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

absl::StatusOr<std::vector<std::string>> ParseResourceName(
    absl::string_view field, absl::string_view name,
    const std::vector<absl::string_view>& collections) {
  std::vector<std::string> pattern;
  for (auto c : collections) pattern.push_back(absl::StrCat(c, "/{id}"));
  auto shape_error = [&] {
    return InvalidField(std::string(field),
                        absl::StrCat("must have the form ", absl::StrJoin(pattern, "/")));
  };
  std::vector<absl::string_view> parts = absl::StrSplit(name, '/');
  if (parts.size() != collections.size() * 2) return shape_error();
  std::vector<std::string> ids;
  for (size_t i = 0; i < collections.size(); ++i) {
    if (parts[2 * i] != collections[i] || parts[2 * i + 1].empty()) return shape_error();
    if (parts[2 * i + 1].size() > 64) {
      return InvalidField(std::string(field), "an id is longer than 64 characters");
    }
    ids.emplace_back(parts[2 * i + 1]);
  }
  if (!collections.empty() && collections[0] == "plants" && !IsValidPlantCode(ids[0])) {
    return InvalidField(std::string(field),
                        "plant code must be 2-16 characters of A-Z, 0-9, '-', '_'");
  }
  return ids;
}

absl::StatusOr<std::string> ParsePlantParent(absl::string_view field, absl::string_view parent) {
  auto ids = ParseResourceName(field, parent, {"plants"});
  if (!ids.ok()) return ids.status();
  return std::move((*ids)[0]);
}

}  // namespace qms
