#include "redis_limiter.hpp"

NATTER_PLUGIN(ratelimit, natter::ratelimit::RedisLimiter, "redis", "0.1.0",
              "Token buckets in Redis, one budget for every node; on_error decides while Redis is away",
              natter::ratelimit::RedisLimiter::keys())
