#include "common/page_token.h"

#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/field_violations.h"
#include "common/sha256.h"

namespace qms {
namespace {
std::string QueryHash(absl::string_view query) { return Sha256Hex(query).substr(0, 16); }
}  // namespace

std::string EncodePageToken(int64_t last_id, absl::string_view query) {
  return absl::WebSafeBase64Escape(absl::StrCat("v1:", last_id, ":", QueryHash(query)));
}

absl::StatusOr<int64_t> DecodePageToken(absl::string_view token, absl::string_view query) {
  if (token.empty()) return 0;
  std::string decoded;
  int64_t id = 0;
  if (absl::WebSafeBase64Unescape(token, &decoded)) {
    std::vector<std::string> parts = absl::StrSplit(decoded, ':');
    if (parts.size() == 3 && parts[0] == "v1" && absl::SimpleAtoi(parts[1], &id) && id > 0 &&
        parts[2] == QueryHash(query)) {
      return id;
    }
  }
  return InvalidField("page_token", "is not a token returned by this query");
}

}  // namespace qms
