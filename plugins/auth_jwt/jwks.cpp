#include "jwks.hpp"

#include <algorithm>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <boost/json.hpp>

#include "base64url.hpp"

namespace natter::jwt {

namespace {

namespace json = boost::json;

std::string text_of(const json::object& jwk, std::string_view field) {
  const auto* value = jwk.if_contains(field);
  return value && value->is_string() ? std::string(value->get_string()) : std::string();
}

std::string bytes_of(const json::object& jwk, std::string_view field, const std::string& where) {
  const std::string text = text_of(jwk, field);
  auto bytes = decode_base64url(text);
  if (text.empty() || !bytes) throw KeyError(where + ": '" + std::string(field) + "' is not base64url");
  return std::move(*bytes);
}

using Pkey = std::shared_ptr<evp_pkey_st>;

// A public key from OSSL parameters, or KeyError.
Pkey from_params(const char* type, OSSL_PARAM_BLD* build, const std::string& where) {
  OSSL_PARAM* params = OSSL_PARAM_BLD_to_param(build);
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr);
  EVP_PKEY* key = nullptr;
  const bool ok = params && ctx && EVP_PKEY_fromdata_init(ctx) == 1 &&
                  EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
  EVP_PKEY_CTX_free(ctx);
  OSSL_PARAM_free(params);
  ERR_clear_error();
  if (!ok || !key) throw KeyError(where + ": not a valid " + std::string(type) + " public key");
  return {key, EVP_PKEY_free};
}

Pkey rsa_key(const json::object& jwk, const std::string& where) {
  const std::string n = bytes_of(jwk, "n", where), e = bytes_of(jwk, "e", where);
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  BIGNUM* bn_n = BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()), nullptr);
  BIGNUM* bn_e = BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()), nullptr);
  Pkey key;
  try {
    if (!build || !bn_n || !bn_e || !OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_N, bn_n) ||
        !OSSL_PARAM_BLD_push_BN(build, OSSL_PKEY_PARAM_RSA_E, bn_e)) {
      throw KeyError(where + ": out of memory");
    }
    key = from_params("RSA", build, where);
  } catch (...) {
    BN_free(bn_n);
    BN_free(bn_e);
    OSSL_PARAM_BLD_free(build);
    throw;
  }
  BN_free(bn_n);
  BN_free(bn_e);
  OSSL_PARAM_BLD_free(build);
  return key;
}

Pkey ec_key(const json::object& jwk, const char* group, std::size_t coordinate_bytes, const std::string& where) {
  const std::string x = bytes_of(jwk, "x", where), y = bytes_of(jwk, "y", where);
  if (x.size() != coordinate_bytes || y.size() != coordinate_bytes) {
    throw KeyError(where + ": x and y must have " + std::to_string(coordinate_bytes) + " bytes each");
  }
  const std::string point = "\x04" + x + y;  // uncompressed
  OSSL_PARAM_BLD* build = OSSL_PARAM_BLD_new();
  Pkey key;
  try {
    if (!build || !OSSL_PARAM_BLD_push_utf8_string(build, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) ||
        !OSSL_PARAM_BLD_push_octet_string(build, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size())) {
      throw KeyError(where + ": out of memory");
    }
    key = from_params("EC", build, where);
  } catch (...) {
    OSSL_PARAM_BLD_free(build);
    throw;
  }
  OSSL_PARAM_BLD_free(build);
  return key;
}

Pkey ed25519_key(const json::object& jwk, const std::string& where) {
  const std::string x = bytes_of(jwk, "x", where);
  EVP_PKEY* key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                              reinterpret_cast<const unsigned char*>(x.data()), x.size());
  ERR_clear_error();
  if (!key) throw KeyError(where + ": not a valid Ed25519 public key");
  return {key, EVP_PKEY_free};
}

// The key a JWK describes, with every algorithm its type fits; or an
// empty kid and the reason it is skipped in `why`.
Key key_of(const json::object& jwk, const std::string& where, bool allow_secrets, std::string& why) {
  Key key{text_of(jwk, "kid"), {}, {}, {}};
  const std::string kty = text_of(jwk, "kty"), crv = text_of(jwk, "crv");
  if (kty == "RSA") {
    key.public_key = rsa_key(jwk, where);
    key.algs = {Alg::RS256, Alg::RS384, Alg::RS512};
  } else if (kty == "EC" && crv == "P-256") {
    key.public_key = ec_key(jwk, "prime256v1", 32, where);
    key.algs = {Alg::ES256};
  } else if (kty == "EC" && crv == "P-384") {
    key.public_key = ec_key(jwk, "secp384r1", 48, where);
    key.algs = {Alg::ES384};
  } else if (kty == "OKP" && crv == "Ed25519") {
    key.public_key = ed25519_key(jwk, where);
    key.algs = {Alg::EdDSA};
  } else if (kty == "oct") {
    if (!allow_secrets) {
      why = "a secret (oct) has no place in a key set fetched over the network";
      return {};
    }
    key.secret = bytes_of(jwk, "k", where);
    for (const Alg alg : {Alg::HS256, Alg::HS384, Alg::HS512}) {
      if (key.secret.size() >= (alg == Alg::HS256 ? 32u : alg == Alg::HS384 ? 48u : 64u)) key.algs.push_back(alg);
    }
    if (key.algs.empty()) throw KeyError(where + ": an HMAC secret needs at least 32 bytes");
  } else {
    why = "kty '" + kty + (crv.empty() ? "" : "' crv '" + crv) + "' is not one natter verifies with";
    return {};
  }
  if (const std::string alg_text = text_of(jwk, "alg"); !alg_text.empty()) {
    Alg alg;
    if (!alg_named(alg_text, alg)) {
      why = "alg '" + alg_text + "' is not one natter verifies with";
      return {};
    }
    const bool fits = key.public_key ? unfit(key.public_key.get(), alg).empty()
                                     : std::find(key.algs.begin(), key.algs.end(), alg) != key.algs.end();
    if (!fits) throw KeyError(where + ": alg " + alg_text + " does not fit a key of type " + kty);
    key.algs = {alg};
  }
  if (key.public_key) {
    for (const Alg alg : key.algs) {
      if (const std::string problem = unfit(key.public_key.get(), alg); !problem.empty()) {
        throw KeyError(where + ": the key " + problem);
      }
    }
  }
  return key;
}

}  // namespace

JwksKeys read_jwks(std::string_view text, std::string_view from, bool allow_secrets) {
  json::error_code error;
  const json::value doc = json::parse(text, error);
  if (error) throw KeyError(std::string(from) + ": not JSON (" + error.message() + ")");
  const json::array* keys = nullptr;
  if (doc.is_object()) {
    if (const auto* value = doc.get_object().if_contains("keys"); value && value->is_array()) {
      keys = &value->get_array();
    }
  }
  if (!keys) throw KeyError(std::string(from) + ": no \"keys\" array, so not a JWK set");
  JwksKeys out;
  for (std::size_t i = 0; i < keys->size(); ++i) {
    if (!(*keys)[i].is_object()) throw KeyError(std::string(from) + ": key " + std::to_string(i) + " is not an object");
    const json::object& jwk = (*keys)[i].get_object();
    const std::string kid = text_of(jwk, "kid");
    const std::string where = std::string(from) + ": key " + (kid.empty() ? std::to_string(i) : "'" + kid + "'");
    if (kid.empty()) {
      out.skipped.push_back(where + ": no kid");
      continue;
    }
    if (const std::string use = text_of(jwk, "use"); !use.empty() && use != "sig") {
      out.skipped.push_back(where + ": for use '" + use + "', not signatures");
      continue;
    }
    std::string why;
    Key key = key_of(jwk, where, allow_secrets, why);
    if (!why.empty()) {
      out.skipped.push_back(where + ": " + why);
      continue;
    }
    out.keys.push_back(std::move(key));
  }
  return out;
}

}  // namespace natter::jwt
