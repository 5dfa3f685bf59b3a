#pragma once
// Whether a JSON Web Token (RFC 7519, compact JWS) proves who a client is:
// its form, a key the ring has for its kid, an algorithm pinned to that
// key (never `none`), its signature (OpenSSL's EVP; HMACs compared in
// constant time), then its claims: exp, nbf and iat against the clock with
// a leeway, iss and aud if configured, the user from `sub`, and the rooms
// and roles claims if configured (a string, or a list of strings). Every
// refusal says which check failed, for the log. Any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "jwt_keys.hpp"

namespace natter::jwt {

struct ClaimRules {
  std::string issuer;                  // empty: any
  std::vector<std::string> audiences;  // empty: any; else the token names one of them
  std::int64_t leeway_s = 0;
  bool require_exp = true;
  std::size_t max_user_bytes = 64;
  // Claims naming the rooms the user may enter and the user's roles: a
  // claim name, or a dotted path into nested objects ("realm_access.roles");
  // empty: not read.
  std::string rooms_claim, roles_claim;
};

struct TokenVerdict {
  bool ok = false;
  std::string user;              // ok: from sub
  std::int64_t expires_at_s = 0;  // ok: exp, or 0 without one
  std::string reason;            // refused: which check failed
  bool unknown_kid = false;      // refused because no key has the token's kid
  std::vector<std::string> rooms = {};  // ok, with rooms_claim: what it lists (a token without it: none)
  std::vector<std::string> roles = {};  // ok, with roles_claim: what it lists
};

TokenVerdict verify_token(std::string_view token, const KeyRing& keys, const ClaimRules& rules, std::int64_t now_s);

}  // namespace natter::jwt
