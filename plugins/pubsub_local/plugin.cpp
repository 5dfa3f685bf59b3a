#include "local_bus.hpp"

NATTER_PLUGIN(pubsub, natter::pubsub::LocalBus, "local", "0.1.0",
              "In-process pub/sub: one node, or several nodes in one process", natter::kNoKeys)
