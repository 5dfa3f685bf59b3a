#pragma once
// What a finished WebSocket upgrade (WsUpgrade, TlsUpgrade) hands to the
// connection that takes over its socket (WsConnection). No Beast, no Asio.

#include <memory>
#include <string>

#include "tls_channel.hpp"

namespace natter::ws {

struct Upgraded {
  std::string remote_address, user, token;
  std::string early_bytes;  // frames the client sent right behind its request
  std::unique_ptr<TlsChannel> tls;  // the session on a TLS listener; null on a plain one
};

}  // namespace natter::ws
