// Bearer tokens for tests, signed with a test-only HS256 secret that every server started by a
// test trusts (in-process: TestVerifierOptions; binaries: ServiceProcess passes TestSecretFile).
#ifndef QMS_TESTS_SUPPORT_TOKENS_H_
#define QMS_TESTS_SUPPORT_TOKENS_H_

#include <string>
#include <vector>

#include "absl/time/time.h"
#include "common/auth/jwt.h"

namespace grpc {
class ClientContext;
}

namespace qms::testing {

inline constexpr char kTestJwtSecret[] = "qms-test-only-secret-0123456789abcdef-0123456789";

// HS256, issuer "qms", audience "qms-suite", valid from a minute ago for `ttl`.
std::string TestToken(const std::string& subject, const std::vector<std::string>& roles,
                      const std::vector<std::string>& plants = {"*"},
                      absl::Duration ttl = absl::Hours(1));

// Every role of the suite in every plant: for tests about something other than access.
std::string AnyoneToken();

// Adds "authorization: Bearer <token>" (AnyoneToken() when empty) to `context`.
void Authorize(grpc::ClientContext& context, const std::string& token = "");

// A file holding kTestJwtSecret, for --jwt_hs256_secret_file.
const std::string& TestSecretFile();
// A file holding a service token (role "service", every plant), for --service_token_file.
const std::string& ServiceTokenFile();

auth::VerifierOptions TestVerifierOptions();

}  // namespace qms::testing

#endif  // QMS_TESTS_SUPPORT_TOKENS_H_
