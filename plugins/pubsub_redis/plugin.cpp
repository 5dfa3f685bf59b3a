#include "redis_bus.hpp"

NATTER_PLUGIN(pubsub, natter::pubsub::RedisBus, "redis", "0.1.0",
              "Redis pub/sub between nodes: each node subscribes to the rooms and users it serves",
              natter::pubsub::RedisBus::keys())
