// SHA-256 digests and HMAC-SHA256 signatures, as lower-case hex.
#ifndef QMS_COMMON_SHA256_H_
#define QMS_COMMON_SHA256_H_

#include <string>

#include "absl/strings/string_view.h"

namespace qms {

// Lower-case hex SHA-256 of `data` (64 characters).
std::string Sha256Hex(absl::string_view data);

// Lower-case hex HMAC-SHA256 of `data` under `key` (64 characters).
std::string HmacSha256Hex(absl::string_view key, absl::string_view data);

}  // namespace qms

#endif  // QMS_COMMON_SHA256_H_
