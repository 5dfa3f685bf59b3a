#pragma once
// What a finished WebSocket upgrade (WsUpgrade) hands to the connection
// that takes over its socket (WsConnection). Plain data, no Beast.

#include <string>

namespace natter::ws {

struct Upgraded {
  std::string remote_address, user, token;
  std::string early_bytes;  // frames the client sent right behind its request
};

}  // namespace natter::ws
