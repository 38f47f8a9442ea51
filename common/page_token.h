// Opaque page tokens for keyset pagination (AIP-158): the last row id of a page, bound to the
// query that produced it, so a token cannot be replayed against another filter.
#ifndef QMS_COMMON_PAGE_TOKEN_H_
#define QMS_COMMON_PAGE_TOKEN_H_

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace qms {

// `query` is any canonical text of the query's filters (not the page size).
std::string EncodePageToken(int64_t last_id, absl::string_view query);

// 0 for an empty token; the id to continue after otherwise. INVALID_ARGUMENT (field page_token)
// for a token that is malformed or was made for another query.
absl::StatusOr<int64_t> DecodePageToken(absl::string_view token, absl::string_view query);

}  // namespace qms

#endif  // QMS_COMMON_PAGE_TOKEN_H_
