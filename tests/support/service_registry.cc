#include "tests/support/service_registry.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace qms::testing {

std::string RegisteredService::binary() const {
  return absl::StrCat(QMS_BINARY_DIR, "/services/", name, "/", name);
}

std::vector<RegisteredService> ServiceRegistry() {
  std::ifstream in(QMS_SOURCE_DIR "/services/registry.txt");
  EXPECT_TRUE(in.good()) << "services/registry.txt";
  std::vector<RegisteredService> services;
  std::string line;
  while (std::getline(in, line)) {
    line = line.substr(0, line.find('#'));
    std::istringstream fields(line);
    RegisteredService s;
    std::string grpc_port, metrics_port, call;
    if (!(fields >> s.name >> grpc_port >> metrics_port)) continue;
    while (fields >> call) {
      const size_t eq = call.find('=');
      EXPECT_NE(eq, std::string::npos) << "registry: " << call << " is not flag=callee";
      if (eq != std::string::npos) s.calls.emplace_back(call.substr(0, eq), call.substr(eq + 1));
    }
    services.push_back(std::move(s));
  }
  return services;
}

}  // namespace qms::testing
