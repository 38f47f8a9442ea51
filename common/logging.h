// Process-wide logging: one line per event on stderr, logfmt-style "key=value" fields, UTC times.
#ifndef QMS_COMMON_LOGGING_H_
#define QMS_COMMON_LOGGING_H_

#include "absl/strings/string_view.h"
#include "spdlog/spdlog.h"

namespace qms {

// Sets the default logger's format; `service` is stamped on every line. Safe to call again.
void InitLogging(absl::string_view service);

}  // namespace qms

#endif  // QMS_COMMON_LOGGING_H_
