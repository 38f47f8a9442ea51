// A file's whole content (certificates, keys, tokens, the plants and policies files).
#ifndef QMS_COMMON_READ_FILE_H_
#define QMS_COMMON_READ_FILE_H_

#include <string>

#include "absl/status/statusor.h"

namespace qms {

// NOT_FOUND "cannot read <path>" when it cannot be read.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace qms

#endif  // QMS_COMMON_READ_FILE_H_
