#include "common/logging.h"

#include <string>

namespace qms {

void InitLogging(absl::string_view service) {
  spdlog::set_pattern(
      std::string("ts=%Y-%m-%dT%H:%M:%S.%fZ level=%l service=") + std::string(service) + " %v",
      spdlog::pattern_time_type::utc);
  spdlog::flush_on(spdlog::level::warn);
}

}  // namespace qms
