#include "jwt_verifier.hpp"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cmath>
#include <memory>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "base64url.hpp"

namespace natter::jwt {

namespace {

namespace json = boost::json;

TokenVerdict refuse(std::string reason) { return {false, {}, 0, std::move(reason)}; }

const EVP_MD* digest_of(Alg alg) {
  switch (alg) {
    case Alg::HS256: case Alg::RS256: case Alg::ES256: return EVP_sha256();
    case Alg::HS384: case Alg::RS384: case Alg::ES384: return EVP_sha384();
    case Alg::HS512: case Alg::RS512: return EVP_sha512();
    case Alg::EdDSA: return nullptr;
  }
  return nullptr;
}

// JOSE's ECDSA signature is r||s of fixed size; OpenSSL verifies DER.
std::string der_of_raw_ecdsa(std::string_view raw) {
  const std::size_t half = raw.size() / 2;
  std::unique_ptr<ECDSA_SIG, decltype(&ECDSA_SIG_free)> sig(ECDSA_SIG_new(), ECDSA_SIG_free);
  BIGNUM* r = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data()), static_cast<int>(half), nullptr);
  BIGNUM* s = BN_bin2bn(reinterpret_cast<const unsigned char*>(raw.data() + half), static_cast<int>(half), nullptr);
  if (!sig || !r || !s || ECDSA_SIG_set0(sig.get(), r, s) != 1) {
    BN_free(r);
    BN_free(s);
    return {};
  }
  unsigned char* der = nullptr;
  const int size = i2d_ECDSA_SIG(sig.get(), &der);
  std::string out = size > 0 ? std::string(reinterpret_cast<char*>(der), static_cast<std::size_t>(size)) : "";
  OPENSSL_free(der);
  return out;
}

bool signature_holds(const Key& key, Alg alg, std::string_view signed_part, std::string_view signature) {
  const EVP_MD* md = digest_of(alg);
  if (alg == Alg::HS256 || alg == Alg::HS384 || alg == Alg::HS512) {
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (!HMAC(md, key.secret.data(), static_cast<int>(key.secret.size()),
              reinterpret_cast<const unsigned char*>(signed_part.data()), signed_part.size(), mac, &size)) {
      return false;
    }
    return signature.size() == size && CRYPTO_memcmp(mac, signature.data(), size) == 0;
  }
  std::string der;
  if (alg == Alg::ES256 || alg == Alg::ES384) {
    if (signature.size() != (alg == Alg::ES256 ? 64u : 96u)) return false;
    der = der_of_raw_ecdsa(signature);
    signature = der;
  }
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key.public_key.get()) == 1 &&
                  EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()),
                                   signature.size(), reinterpret_cast<const unsigned char*>(signed_part.data()),
                                   signed_part.size()) == 1;
  ERR_clear_error();
  return ok;
}

bool kid_looks_right(std::string_view kid) {
  return !kid.empty() && kid.size() <= 64 && kid.find("..") == std::string_view::npos &&
         std::all_of(kid.begin(), kid.end(), [](char c) {
           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
                  c == '_' || c == '.';
         });
}

// A NumericDate claim: absent (false), or a number of seconds.
bool time_claim(const json::object& claims, std::string_view name, std::int64_t& out, std::string& problem) {
  const auto* value = claims.if_contains(name);
  if (!value) return false;
  if (value->is_int64()) {
    out = value->as_int64();
  } else if (value->is_uint64() && value->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX)) {
    out = static_cast<std::int64_t>(value->as_uint64());
  } else if (value->is_double() && std::isfinite(value->as_double()) && std::abs(value->as_double()) < 1e15) {
    out = static_cast<std::int64_t>(value->as_double());
  } else {
    problem = "claim " + std::string(name) + " is not a number of seconds";
  }
  return true;
}

std::optional<json::object> json_object_of(std::string_view part) {
  const auto text = decode_base64url(part);
  if (!text) return std::nullopt;
  json::error_code ec;
  json::value value = json::parse(*text, ec);
  if (ec || !value.is_object()) return std::nullopt;
  return std::move(value.as_object());
}

// The claim at `path` ("a.b.c" looks into nested objects), or nullptr.
const json::value* claim_at(const json::object& claims, std::string_view path) {
  const json::object* object = &claims;
  for (;;) {
    const auto dot = path.find('.');
    const json::value* value = object->if_contains(path.substr(0, dot));
    if (!value || dot == std::string_view::npos) return value;
    if (!value->is_object()) return nullptr;
    object = &value->get_object();
    path.remove_prefix(dot + 1);
  }
}

// A claim that lists names: absent (nothing), a string, or an array of
// strings; anything else is a problem.
bool names_in(const json::object& claims, std::string_view path, std::vector<std::string>& out, std::string& problem) {
  const json::value* value = claim_at(claims, path);
  if (!value) return true;
  if (value->is_string()) {
    out.emplace_back(value->get_string());
    return true;
  }
  if (value->is_array()) {
    for (const json::value& item : value->get_array()) {
      if (!item.is_string() || out.size() >= 1000) break;
      out.emplace_back(item.get_string());
    }
    if (out.size() == value->get_array().size()) return true;
  }
  problem = "claim " + std::string(path) + " is not a list of names";
  return false;
}

TokenVerdict check_claims(const json::object& claims, const ClaimRules& rules, std::int64_t now) {
  std::string problem;
  std::int64_t exp = 0, nbf = 0, iat = 0;
  const bool has_exp = time_claim(claims, "exp", exp, problem);
  const bool has_nbf = time_claim(claims, "nbf", nbf, problem);
  const bool has_iat = time_claim(claims, "iat", iat, problem);
  if (!problem.empty()) return refuse(problem);
  if (!has_exp && rules.require_exp) return refuse("no exp claim: tokens must expire");
  if (has_exp && now > exp + rules.leeway_s) return refuse("expired at " + std::to_string(exp));
  if (has_nbf && now + rules.leeway_s < nbf) return refuse("not valid before " + std::to_string(nbf));
  if (has_iat && iat > now + rules.leeway_s) return refuse("issued in the future (" + std::to_string(iat) + ")");
  if (!rules.issuer.empty()) {
    const auto* iss = claims.if_contains("iss");
    if (!iss || !iss->is_string() || iss->as_string() != rules.issuer) return refuse("wrong issuer (iss)");
  }
  if (!rules.audiences.empty()) {
    const auto* aud = claims.if_contains("aud");
    auto ours = [&](const json::value& v) {
      return v.is_string() && std::find(rules.audiences.begin(), rules.audiences.end(),
                                        std::string_view(v.as_string())) != rules.audiences.end();
    };
    const bool fits = aud && (ours(*aud) || (aud->is_array() && std::any_of(aud->as_array().begin(),
                                                                            aud->as_array().end(), ours)));
    if (!fits) return refuse("wrong audience (aud)");
  }
  const auto* sub = claims.if_contains("sub");
  if (!sub || !sub->is_string() || sub->as_string().empty()) return refuse("no sub claim to name the user");
  const std::string_view user = sub->as_string();
  if (user.size() > rules.max_user_bytes ||
      std::any_of(user.begin(), user.end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; })) {
    return refuse("sub is not a user name natter accepts");
  }
  TokenVerdict verdict{true, std::string(user), has_exp ? exp : 0, {}};
  if ((!rules.rooms_claim.empty() && !names_in(claims, rules.rooms_claim, verdict.rooms, problem)) ||
      (!rules.roles_claim.empty() && !names_in(claims, rules.roles_claim, verdict.roles, problem))) {
    return refuse(problem);
  }
  return verdict;
}

}  // namespace

TokenVerdict verify_token(std::string_view token, const KeyRing& keys, const ClaimRules& rules, std::int64_t now) {
  const std::size_t segments = static_cast<std::size_t>(std::count(token.begin(), token.end(), '.')) + 1;
  if (segments != 3) return refuse("not a signed JWT: " + std::to_string(segments) + " segments, 3 expected");
  const auto first = token.find('.');
  const auto second = token.find('.', first + 1);
  const std::string_view header_part = token.substr(0, first);
  const std::string_view payload_part = token.substr(first + 1, second - first - 1);
  const std::string_view signature_part = token.substr(second + 1);

  const auto header = json_object_of(header_part);
  if (!header) return refuse("header is not base64url-encoded JSON");
  const auto* alg_value = header->if_contains("alg");
  if (!alg_value || !alg_value->is_string()) return refuse("header names no alg");
  const std::string_view alg_text = alg_value->as_string();
  if (alg_text == "none" || alg_text == "None" || alg_text == "NONE") return refuse("alg none is never accepted");
  Alg alg;
  if (!alg_named(alg_text, alg)) return refuse("unsupported alg " + std::string(alg_text));

  const Key* key = nullptr;
  if (const auto* kid = header->if_contains("kid")) {
    if (!kid->is_string() || !kid_looks_right(kid->as_string())) return refuse("kid is not a key id (A-Z a-z 0-9 . _ -)");
    key = keys.find(kid->as_string());
    if (!key) {
      TokenVerdict verdict = refuse("unknown kid " + std::string(kid->as_string()));
      verdict.unknown_kid = true;
      return verdict;
    }
  } else {
    key = keys.only();
    if (!key) return refuse("no kid, and several keys could have signed");
  }
  if (std::find(key->algs.begin(), key->algs.end(), alg) == key->algs.end()) {
    return refuse("alg " + std::string(alg_text) + " is not pinned to key " + key->kid);
  }

  const auto signature = decode_base64url(signature_part);
  if (!signature) return refuse("signature is not base64url");
  if (signature->empty()) return refuse("empty signature");
  if (!signature_holds(*key, alg, token.substr(0, second), *signature)) {
    return refuse("bad signature for key " + key->kid);
  }
  const auto claims = json_object_of(payload_part);
  if (!claims) return refuse("payload is not base64url-encoded JSON");
  return check_claims(*claims, rules, now);
}

}  // namespace natter::jwt
