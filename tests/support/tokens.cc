#include "tests/support/tokens.h"

#include <grpcpp/client_context.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace qms::testing {
namespace {

std::string WriteFile(const std::string& name, const std::string& content) {
  const char* dir = std::getenv("TMPDIR");
  const std::string path = absl::StrCat(dir ? dir : "/tmp", "/qms-", name, "-", getpid(), "-",
                                        absl::ToUnixNanos(absl::Now()));
  std::ofstream(path) << content;
  return path;
}

}  // namespace

std::string TestToken(const std::string& subject, const std::vector<std::string>& roles,
                      const std::vector<std::string>& plants, absl::Duration ttl) {
  auth::TokenSpec spec;
  spec.claims = {subject, roles, plants, absl::Now() + ttl};
  spec.issuer = "qms";
  spec.audience = "qms-suite";
  spec.issued_at = absl::Now() - absl::Minutes(1);
  return *auth::Sign(spec, {auth::SigningKey::Algorithm::kHs256, kTestJwtSecret});
}

std::string AnyoneToken() {
  static const std::string* token = new std::string(
      TestToken("tester@qms",
                {"sales", "quality", "responsible_department", "general_manager", "warehouse",
                 "engineering", "production_control", "plant_floor", "auditor", "admin", "service"},
                {"*"}, absl::Hours(24)));
  return *token;
}

void Authorize(grpc::ClientContext& context, const std::string& token) {
  context.AddMetadata("authorization",
                      absl::StrCat("Bearer ", token.empty() ? AnyoneToken() : token));
}

const std::string& TestSecretFile() {
  static const std::string* path = new std::string(WriteFile("jwt-secret", kTestJwtSecret));
  return *path;
}

const std::string& ServiceTokenFile() {
  static const std::string* path = new std::string(
      WriteFile("service-token", TestToken("svc-complaints", {"service"}, {"*"}, absl::Hours(24))));
  return *path;
}

auth::VerifierOptions TestVerifierOptions() {
  auth::VerifierOptions o;
  o.hs256_secret = kTestJwtSecret;
  o.issuer = "qms";
  o.audience = "qms-suite";
  return o;
}

}  // namespace qms::testing
