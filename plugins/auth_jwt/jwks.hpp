#pragma once
// Keys from a JSON Web Key Set (RFC 7517), as an identity provider
// publishes at /.well-known/jwks.json: RSA (n, e), EC P-256 and P-384
// (crv, x, y), Ed25519 (OKP), and, from a file only, HMAC secrets (oct).
// A key with `alg` is pinned to it; without, to every algorithm its type
// fits (RS256/384/512 for RSA, the curve's one for EC, EdDSA, the
// secret's HS* by its length). Keys for encryption (`use: enc`), without
// a kid, or of a type natter cannot verify with are skipped and named.
// Pure functions; any thread.

#include <string>
#include <string_view>
#include <vector>

#include "jwt_keys.hpp"

namespace natter::jwt {

struct JwksKeys {
  std::vector<Key> keys;
  std::vector<std::string> skipped;  // "kid 'x': why", for the log
};

// Throws KeyError if `json` is not a key set at all (not JSON, no "keys"
// array) or a key is broken (bad base64url, a point not on its curve, an
// RSA key under 2048 bits). `from` names the source in messages.
JwksKeys read_jwks(std::string_view json, std::string_view from, bool allow_secrets);

}  // namespace natter::jwt
