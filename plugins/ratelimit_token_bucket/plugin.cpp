#include "token_bucket_limiter.hpp"

NATTER_PLUGIN(ratelimit, natter::ratelimit::TokenBucketLimiter, "token_bucket", "0.1.0",
              "Token buckets per user, IP, connection or room, for each kind of action",
              natter::ratelimit::TokenBucketLimiter::keys())
