#include "common/auth/jwt.h"

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"

namespace qms::auth {
namespace {

using nlohmann::json;

struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyFree>;

absl::Status Unauthenticated(absl::string_view why) {
  return absl::UnauthenticatedError(absl::StrCat("invalid token: ", why));
}

Pkey ReadKey(const std::string& pem, bool is_private) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), &BIO_free);
  if (!bio) return nullptr;
  return Pkey(is_private ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                         : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr));
}

std::string HmacSha256(absl::string_view key, absl::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &size);
  return std::string(reinterpret_cast<char*>(out), size);
}

// JWS ES256 signatures are r||s (32 bytes each); OpenSSL wants DER.
std::string RawToDer(absl::string_view raw) {
  if (raw.size() != 64) return "";
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), 32, nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()) + 32, 32, nullptr);
  ECDSA_SIG_set0(sig, r, s);
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  std::string out = len > 0 ? std::string(reinterpret_cast<char*>(der), len) : "";
  OPENSSL_free(der);
  ECDSA_SIG_free(sig);
  return out;
}

std::string DerToRaw(const std::string& der) {
  const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return "";
  std::string out(64, '\0');
  BN_bn2binpad(ECDSA_SIG_get0_r(sig), reinterpret_cast<unsigned char*>(&out[0]), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(sig), reinterpret_cast<unsigned char*>(&out[32]), 32);
  ECDSA_SIG_free(sig);
  return out;
}

bool VerifyWith(EVP_PKEY* key, absl::string_view data, const std::string& signature) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
  return ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                          signature.size(), reinterpret_cast<const unsigned char*>(data.data()),
                          data.size()) == 1;
}

std::vector<std::string> StringsOf(const json& j) {
  std::vector<std::string> out;
  if (j.is_string()) out.push_back(j.get<std::string>());
  if (j.is_array()) {
    for (const json& s : j) {
      if (s.is_string()) out.push_back(s.get<std::string>());
    }
  }
  return out;
}

}  // namespace

// Verified tokens kept; when full, the cache starts over (a client's token comes back at once).
constexpr size_t kRememberedTokens = 4096;

struct Verifier::Keys {
  std::vector<Pkey> rsa;
  std::vector<Pkey> ec;
  struct Remembered {
    Claims claims;
    absl::Time valid_from;   // nbf - leeway
    absl::Time valid_until;  // exp + leeway
  };
  absl::Mutex mu;
  absl::flat_hash_map<std::string, Remembered> verified ABSL_GUARDED_BY(mu);
};

Verifier::Verifier(VerifierOptions options)
    : options_(std::move(options)), keys_(std::make_unique<Keys>()) {}
Verifier::Verifier(Verifier&&) noexcept = default;
Verifier& Verifier::operator=(Verifier&&) noexcept = default;
Verifier::~Verifier() = default;

absl::StatusOr<Verifier> Verifier::Create(const VerifierOptions& options) {
  Verifier v(options);
  for (const std::string& pem : options.public_keys) {
    Pkey key = ReadKey(pem, false);
    if (!key) return absl::InvalidArgumentError("a token public key is not a PEM public key");
    if (EVP_PKEY_base_id(key.get()) == EVP_PKEY_RSA) {
      v.keys_->rsa.push_back(std::move(key));
    } else if (EVP_PKEY_base_id(key.get()) == EVP_PKEY_EC) {
      v.keys_->ec.push_back(std::move(key));
    } else {
      return absl::InvalidArgumentError("a token public key is neither RSA nor EC");
    }
  }
  if (options.hs256_secret.empty() && options.public_keys.empty()) {
    return absl::InvalidArgumentError("no token key configured (HS256 secret or public keys)");
  }
  if (!options.hs256_secret.empty() && options.hs256_secret.size() < 32) {
    return absl::InvalidArgumentError("the HS256 secret must be at least 32 bytes");
  }
  return v;
}

absl::StatusOr<Claims> Verifier::Verify(absl::string_view token, absl::Time now) const {
  {
    absl::MutexLock lock(&keys_->mu);
    auto it = keys_->verified.find(token);
    if (it != keys_->verified.end() && now >= it->second.valid_from &&
        now <= it->second.valid_until) {
      return it->second.claims;
    }
  }
  absl::Time valid_from = absl::InfinitePast();
  absl::StatusOr<Claims> claims = VerifyUncached(token, now, &valid_from);
  if (claims.ok()) {
    absl::MutexLock lock(&keys_->mu);
    if (keys_->verified.size() >= kRememberedTokens) keys_->verified.clear();
    keys_->verified[std::string(token)] = {*claims, valid_from, claims->expires + options_.leeway};
  }
  return claims;
}

absl::StatusOr<Claims> Verifier::VerifyUncached(absl::string_view token, absl::Time now,
                                                absl::Time* valid_from) const {
  if (token.size() > 8192) return Unauthenticated("too long");
  const std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  if (parts.size() != 3) return Unauthenticated("not three parts");
  std::string header_text, payload_text, signature;
  if (!absl::WebSafeBase64Unescape(parts[0], &header_text) ||
      !absl::WebSafeBase64Unescape(parts[1], &payload_text) ||
      !absl::WebSafeBase64Unescape(parts[2], &signature)) {
    return Unauthenticated("not base64url");
  }
  const json header = json::parse(header_text, nullptr, false);
  const json payload = json::parse(payload_text, nullptr, false);
  if (!header.is_object() || !payload.is_object()) return Unauthenticated("not JSON objects");
  const std::string alg = header.value("alg", "");
  const absl::string_view signed_part(token.data(), parts[0].size() + 1 + parts[1].size());

  bool valid = false;
  if (alg == "HS256" && !options_.hs256_secret.empty()) {
    const std::string expected = HmacSha256(options_.hs256_secret, signed_part);
    valid = expected.size() == signature.size() &&
            CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0;
  } else if (alg == "RS256") {
    for (const Pkey& key : keys_->rsa)
      valid = valid || VerifyWith(key.get(), signed_part, signature);
  } else if (alg == "ES256") {
    const std::string der = RawToDer(signature);
    for (const Pkey& key : keys_->ec) {
      valid = valid || (!der.empty() && VerifyWith(key.get(), signed_part, der));
    }
  } else {
    return Unauthenticated(absl::StrCat("algorithm \"", alg, "\" not accepted"));
  }
  if (!valid) return Unauthenticated("bad signature");

  const auto time_claim = [&](const char* name) -> std::optional<absl::Time> {
    if (!payload.contains(name) || !payload.at(name).is_number()) return std::nullopt;
    return absl::FromUnixSeconds(payload.at(name).get<int64_t>());
  };
  const std::optional<absl::Time> exp = time_claim("exp");
  if (!exp) return Unauthenticated("no exp");
  if (now > *exp + options_.leeway) return Unauthenticated("expired");
  if (auto nbf = time_claim("nbf"); nbf) {
    if (now + options_.leeway < *nbf) return Unauthenticated("not yet valid");
    *valid_from = *nbf - options_.leeway;
  }
  if (!options_.issuer.empty() && payload.value("iss", "") != options_.issuer) {
    return Unauthenticated("wrong issuer");
  }
  if (!options_.audience.empty()) {
    const std::vector<std::string> aud =
        payload.contains("aud") ? StringsOf(payload.at("aud")) : std::vector<std::string>{};
    if (std::find(aud.begin(), aud.end(), options_.audience) == aud.end()) {
      return Unauthenticated("wrong audience");
    }
  }
  Claims claims;
  claims.subject = payload.value("sub", "");
  if (claims.subject.empty() || claims.subject.size() > 128) return Unauthenticated("bad sub");
  if (payload.contains("roles")) claims.roles = StringsOf(payload.at("roles"));
  if (payload.contains("plants")) claims.plants = StringsOf(payload.at("plants"));
  claims.expires = *exp;
  return claims;
}

absl::StatusOr<std::string> Sign(const TokenSpec& spec, const SigningKey& key) {
  const char* alg = key.algorithm == SigningKey::Algorithm::kHs256   ? "HS256"
                    : key.algorithm == SigningKey::Algorithm::kRs256 ? "RS256"
                                                                     : "ES256";
  json payload = {{"sub", spec.claims.subject},
                  {"roles", spec.claims.roles},
                  {"plants", spec.claims.plants},
                  {"iat", absl::ToUnixSeconds(spec.issued_at)},
                  {"exp", absl::ToUnixSeconds(spec.claims.expires)}};
  if (!spec.issuer.empty()) payload["iss"] = spec.issuer;
  if (!spec.audience.empty()) payload["aud"] = spec.audience;
  if (spec.not_before != absl::InfinitePast())
    payload["nbf"] = absl::ToUnixSeconds(spec.not_before);
  const json header = {{"alg", alg}, {"typ", "JWT"}};
  const std::string signed_part = absl::StrCat(absl::WebSafeBase64Escape(header.dump()), ".",
                                               absl::WebSafeBase64Escape(payload.dump()));
  std::string signature;
  if (key.algorithm == SigningKey::Algorithm::kHs256) {
    signature = HmacSha256(key.secret_or_pem, signed_part);
  } else {
    Pkey pkey = ReadKey(key.secret_or_pem, true);
    if (!pkey) return absl::InvalidArgumentError("the signing key is not a PEM private key");
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), &EVP_MD_CTX_free);
    size_t size = 0;
    if (EVP_DigestSignInit(ctx.get(), nullptr, EVP_sha256(), nullptr, pkey.get()) != 1 ||
        EVP_DigestSign(ctx.get(), nullptr, &size,
                       reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) != 1) {
      return absl::InternalError("signing failed");
    }
    signature.resize(size);
    if (EVP_DigestSign(ctx.get(), reinterpret_cast<unsigned char*>(&signature[0]), &size,
                       reinterpret_cast<const unsigned char*>(signed_part.data()),
                       signed_part.size()) != 1) {
      return absl::InternalError("signing failed");
    }
    signature.resize(size);
    if (key.algorithm == SigningKey::Algorithm::kEs256) signature = DerToRaw(signature);
  }
  return absl::StrCat(signed_part, ".", absl::WebSafeBase64Escape(signature));
}

}  // namespace qms::auth
