#include "jwt_auth.hpp"

NATTER_PLUGIN(auth, natter::jwt::JwtAuth, "jwt", "0.1.0",
              "Users from signed JSON Web Tokens (HS, RS, ES and EdDSA keys from files)",
              natter::jwt::JwtAuth::keys())
