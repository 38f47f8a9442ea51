// The suite's services as services/registry.txt lists them, for tests that cover every service
// (a service added to the registry is covered with no line in the test).
#ifndef QMS_TESTS_SUPPORT_SERVICE_REGISTRY_H_
#define QMS_TESTS_SUPPORT_SERVICE_REGISTRY_H_

#include <string>
#include <utility>
#include <vector>

namespace qms::testing {

struct RegisteredService {
  std::string name;
  // (flag, callee): the flag of this service that takes the callee's gRPC address.
  std::vector<std::pair<std::string, std::string>> calls;

  std::string binary() const;  // the built binary, build/services/<name>/<name>
};

// In start order: every service after the services it calls.
std::vector<RegisteredService> ServiceRegistry();

}  // namespace qms::testing

#endif  // QMS_TESTS_SUPPORT_SERVICE_REGISTRY_H_
