#include "common/auth/jwt.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace qms::auth {
namespace {

constexpr char kSecret[] = "0123456789abcdef0123456789abcdef-test";
const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

struct KeyPair {
  std::string private_pem;
  std::string public_pem;
};

KeyPair Generate(bool rsa) {
  EVP_PKEY* key = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
  BIO* priv = BIO_new(BIO_s_mem());
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr);
  PEM_write_bio_PUBKEY(pub, key);
  const auto text = [](BIO* b) {
    char* data = nullptr;
    const long n = BIO_get_mem_data(b, &data);
    return std::string(data, static_cast<size_t>(n));
  };
  KeyPair out{text(priv), text(pub)};
  BIO_free(priv);
  BIO_free(pub);
  EVP_PKEY_free(key);
  return out;
}

TokenSpec Spec() {
  TokenSpec spec;
  spec.claims = {"qe@sz1", {"quality"}, {"SZ1"}, kNow + absl::Hours(1)};
  spec.issuer = "qms";
  spec.audience = "qms-suite";
  spec.issued_at = kNow;
  return spec;
}

Verifier MakeVerifier(VerifierOptions options) {
  options.issuer = "qms";
  options.audience = "qms-suite";
  auto v = Verifier::Create(options);
  EXPECT_TRUE(v.ok()) << v.status();
  return *std::move(v);
}

std::string Hs256(const TokenSpec& spec, const std::string& secret = kSecret) {
  auto token = Sign(spec, {SigningKey::Algorithm::kHs256, secret});
  EXPECT_TRUE(token.ok());
  return *token;
}

TEST(JwtTest, Hs256RoundTripCarriesTheClaims) {
  const Verifier v = MakeVerifier({kSecret, {}, "", "", absl::Seconds(60)});
  auto claims = v.Verify(Hs256(Spec()), kNow);
  ASSERT_TRUE(claims.ok()) << claims.status();
  EXPECT_EQ(claims->subject, "qe@sz1");
  EXPECT_EQ(claims->roles, std::vector<std::string>{"quality"});
  EXPECT_EQ(claims->plants, std::vector<std::string>{"SZ1"});
}

TEST(JwtTest, ExpiryAndNotBeforeHonourTheLeeway) {
  const Verifier v = MakeVerifier({kSecret, {}, "", "", absl::Seconds(60)});
  const std::string token = Hs256(Spec());
  EXPECT_TRUE(v.Verify(token, kNow + absl::Hours(1) + absl::Seconds(59)).ok());
  EXPECT_EQ(v.Verify(token, kNow + absl::Hours(1) + absl::Seconds(61)).status().code(),
            absl::StatusCode::kUnauthenticated);
  TokenSpec later = Spec();
  later.not_before = kNow + absl::Minutes(5);
  EXPECT_EQ(v.Verify(Hs256(later), kNow).status().code(), absl::StatusCode::kUnauthenticated);
  EXPECT_TRUE(v.Verify(Hs256(later), kNow + absl::Minutes(4) + absl::Seconds(30)).ok());
}

// A token that verified once is remembered only for its own bytes and its own valid window.
TEST(JwtTest, ARememberedTokenKeepsItsWindowAndNoOtherTokenRidesOnIt) {
  const Verifier v = MakeVerifier({kSecret, {}, "", "", absl::Seconds(60)});
  TokenSpec later = Spec();
  later.not_before = kNow + absl::Minutes(5);
  const std::string token = Hs256(later);
  ASSERT_TRUE(v.Verify(token, kNow + absl::Minutes(10)).ok());
  EXPECT_EQ(v.Verify(token, kNow).status().code(), absl::StatusCode::kUnauthenticated)
      << "before nbf - leeway";
  EXPECT_EQ(v.Verify(token, kNow + absl::Hours(2)).status().code(),
            absl::StatusCode::kUnauthenticated)
      << "after exp + leeway";
  EXPECT_TRUE(v.Verify(token, kNow + absl::Minutes(20)).ok());
  std::string tampered = token;
  tampered.back() = tampered.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(v.Verify(tampered, kNow + absl::Minutes(20)).status().code(),
            absl::StatusCode::kUnauthenticated);
  std::string other_claims = token;
  const size_t payload = other_claims.find('.') + 3;
  other_claims[payload] = other_claims[payload] == 'x' ? 'y' : 'x';
  EXPECT_EQ(v.Verify(other_claims, kNow + absl::Minutes(20)).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(JwtTest, RefusesWrongSignatureIssuerAudienceAndAlgorithm) {
  const Verifier v = MakeVerifier({kSecret, {}, "", "", absl::Seconds(60)});
  const auto refused = [&](const std::string& token) {
    return v.Verify(token, kNow).status().code() == absl::StatusCode::kUnauthenticated;
  };
  EXPECT_TRUE(refused(Hs256(Spec(), "another-secret-another-secret-xx")));
  TokenSpec other = Spec();
  other.issuer = "someone-else";
  EXPECT_TRUE(refused(Hs256(other)));
  other = Spec();
  other.audience = "another-suite";
  EXPECT_TRUE(refused(Hs256(other)));
  // A payload changed after signing (a plant added).
  std::vector<std::string> parts = absl::StrSplit(Hs256(Spec()), '.');
  std::string payload;
  ASSERT_TRUE(absl::WebSafeBase64Unescape(parts[1], &payload));
  payload.replace(payload.find("\"SZ1\""), 5, "\"*\"");
  EXPECT_TRUE(
      refused(absl::StrCat(parts[0], ".", absl::WebSafeBase64Escape(payload), ".", parts[2])));
  // alg "none" with no signature.
  EXPECT_TRUE(
      refused(absl::StrCat(absl::WebSafeBase64Escape(R"({"alg":"none"})"), ".", parts[1], ".")));
  for (const char* garbage : {"", "a.b", "a.b.c", "....", "not a token"}) {
    EXPECT_TRUE(refused(garbage)) << garbage;
  }
  TokenSpec no_subject = Spec();
  no_subject.claims.subject.clear();
  EXPECT_TRUE(refused(Hs256(no_subject)));
}

TEST(JwtTest, Rs256AndEs256WithPublicKeys) {
  const KeyPair rsa = Generate(true);
  const KeyPair ec = Generate(false);
  const KeyPair stranger = Generate(false);
  const Verifier v = MakeVerifier({"", {rsa.public_pem, ec.public_pem}, "", "", absl::Seconds(60)});
  auto rs = Sign(Spec(), {SigningKey::Algorithm::kRs256, rsa.private_pem});
  auto es = Sign(Spec(), {SigningKey::Algorithm::kEs256, ec.private_pem});
  auto bad = Sign(Spec(), {SigningKey::Algorithm::kEs256, stranger.private_pem});
  ASSERT_TRUE(rs.ok() && es.ok() && bad.ok());
  EXPECT_TRUE(v.Verify(*rs, kNow).ok()) << v.Verify(*rs, kNow).status();
  EXPECT_TRUE(v.Verify(*es, kNow).ok()) << v.Verify(*es, kNow).status();
  EXPECT_EQ(v.Verify(*bad, kNow).status().code(), absl::StatusCode::kUnauthenticated);
  // Without an HS256 secret, an HS256 token (e.g. signed with the public key as secret) fails.
  EXPECT_EQ(v.Verify(Hs256(Spec(), rsa.public_pem), kNow).status().code(),
            absl::StatusCode::kUnauthenticated);
}

TEST(JwtTest, RefusesUnusableConfigurations) {
  EXPECT_FALSE(Verifier::Create({}).ok());
  EXPECT_FALSE(Verifier::Create({"short", {}, "", "", absl::Seconds(1)}).ok());
  EXPECT_FALSE(Verifier::Create({"", {"not a pem"}, "", "", absl::Seconds(1)}).ok());
}

}  // namespace
}  // namespace qms::auth
