// Bearer tokens: JSON Web Tokens (RFC 7519) signed with HS256 (a shared secret) or RS256/ES256
// (public keys in PEM), verified with OpenSSL. No gRPC here.
//
// Claims the suite uses: "sub" (the person or system), "roles" (array), "plants" (array of plant
// codes, or ["*"] for company-wide roles), and the standard "iss", "aud", "exp", "nbf", "iat".
// Verification checks the algorithm against the configured keys (never "none", never HS256 with a
// public key), the signature, exp and nbf within the leeway, iss and aud when configured.
#ifndef QMS_COMMON_AUTH_JWT_H_
#define QMS_COMMON_AUTH_JWT_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace qms::auth {

struct Claims {
  std::string subject;
  std::vector<std::string> roles;
  std::vector<std::string> plants;  // "*" = every plant
  absl::Time expires = absl::InfiniteFuture();
};

struct VerifierOptions {
  std::string hs256_secret;                   // empty: HS256 tokens are refused
  std::vector<std::string> public_keys;       // PEM (RSA or EC P-256) for RS256 / ES256
  std::string issuer;                         // required "iss" when set
  std::string audience;                       // required in "aud" when set
  absl::Duration leeway = absl::Seconds(60);  // clock skew allowed on exp and nbf
};

class Verifier {
 public:
  // INVALID_ARGUMENT when no key is configured or a PEM key cannot be read.
  static absl::StatusOr<Verifier> Create(const VerifierOptions& options);
  Verifier(Verifier&&) noexcept;
  Verifier& operator=(Verifier&&) noexcept;
  ~Verifier();

  // UNAUTHENTICATED for anything but a valid, current token. The message says what was wrong
  // for the logs; callers must not send it to the client. Tokens that verified are remembered
  // (byte for byte, a bounded number) with the time window they are valid in, so a client's
  // every call does not pay the signature and JSON again; a remembered token outside its window
  // is verified afresh (and refused).
  absl::StatusOr<Claims> Verify(absl::string_view token, absl::Time now) const;

 private:
  struct Keys;
  explicit Verifier(VerifierOptions options);
  absl::StatusOr<Claims> VerifyUncached(absl::string_view token, absl::Time now,
                                        absl::Time* valid_from) const;
  VerifierOptions options_;
  std::unique_ptr<Keys> keys_;
};

// Signing, for the token tool, service tokens and tests.
struct SigningKey {
  enum class Algorithm { kHs256, kRs256, kEs256 };
  Algorithm algorithm = Algorithm::kHs256;
  std::string secret_or_pem;  // HS256: the secret; RS256/ES256: the private key in PEM
};

struct TokenSpec {
  Claims claims;
  std::string issuer;
  std::string audience;
  absl::Time issued_at;
  absl::Time not_before = absl::InfinitePast();  // InfinitePast: no "nbf"
};

absl::StatusOr<std::string> Sign(const TokenSpec& spec, const SigningKey& key);

}  // namespace qms::auth

#endif  // QMS_COMMON_AUTH_JWT_H_
