// The WebSocket transport's export; everything else is in ws_*.cpp.
#include "ws_config.hpp"
#include "ws_server.hpp"

NATTER_PLUGIN(transport, natter::ws::WsServer, "websocket", "0.1.0",
              "WebSocket clients speaking natter.v1 JSON (Boost.Beast)", natter::ws::ws_keys())
