// qms_token: prints a bearer token for the suite, signed with an HS256 secret file. For local
// development (`scripts/qms token`) and for minting service tokens; production tokens come from
// the company's identity provider (RS256/ES256, see --jwt_public_key_files).
#include <iostream>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/auth/jwt.h"
#include "common/read_file.h"

ABSL_FLAG(std::string, secret_file, "", "HS256 secret (the servers' --jwt_hs256_secret_file)");
ABSL_FLAG(std::string, subject, "developer", "Who the token stands for");
ABSL_FLAG(std::string, roles, "", "Comma-separated roles, e.g. quality,sales");
ABSL_FLAG(std::string, plants, "", "Comma-separated plant codes, or * for every plant");
ABSL_FLAG(absl::Duration, ttl, absl::Hours(8), "How long the token is valid");
ABSL_FLAG(std::string, issuer, "qms", "\"iss\" claim");
ABSL_FLAG(std::string, audience, "qms-suite", "\"aud\" claim");

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage("qms_token --secret_file F --roles quality --plants SZ1");
  absl::ParseCommandLine(argc, argv);
  auto secret = qms::ReadFile(absl::GetFlag(FLAGS_secret_file));
  if (!secret.ok()) {
    std::cerr << secret.status().message() << "\n";
    return 2;
  }
  qms::auth::TokenSpec spec;
  spec.claims.subject = absl::GetFlag(FLAGS_subject);
  spec.claims.roles = absl::StrSplit(absl::GetFlag(FLAGS_roles), ',', absl::SkipEmpty());
  spec.claims.plants = absl::StrSplit(absl::GetFlag(FLAGS_plants), ',', absl::SkipEmpty());
  if (spec.claims.roles.empty() || spec.claims.plants.empty()) {
    std::cerr << "give --roles and --plants\n";
    return 2;
  }
  spec.issued_at = absl::Now();
  spec.claims.expires = spec.issued_at + absl::GetFlag(FLAGS_ttl);
  spec.issuer = absl::GetFlag(FLAGS_issuer);
  spec.audience = absl::GetFlag(FLAGS_audience);
  auto token = qms::auth::Sign(spec, {qms::auth::SigningKey::Algorithm::kHs256,
                                      std::string(absl::StripTrailingAsciiWhitespace(*secret))});
  if (!token.ok()) {
    std::cerr << token.status().message() << "\n";
    return 1;
  }
  std::cout << *token << "\n";
  return 0;
}
