#include "anonymous_auth.hpp"

NATTER_PLUGIN(auth, natter::auth::AnonymousAuth, "anonymous", "0.1.0",
              "Development auth: clients choose their name (no password)",
              natter::auth::AnonymousAuth::keys())
