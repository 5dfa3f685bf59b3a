#pragma once
// One transport's way into the broker. Sessions opened through it remember
// the transport's Fanout (if it offers one), so the broker can hand a
// room's event to that transport once for all its members there, and
// whether the transport lets commands run on its own thread
// (natter::InlineCommands). Owned by the daemon; outlives the transport's
// stop(). Any thread.

#include <natter/transport.hpp>

#include "chat/broker.hpp"

namespace natter::chat {

class TransportEntry final : public natter::BrokerEntry {
 public:
  TransportEntry(Broker& broker, natter::Fanout* fanout, bool inline_commands)
      : broker_(broker), fanout_(fanout), inline_commands_(inline_commands) {}

  natter::SessionPort* open_session(natter::ClientLink& link, const natter::ConnectInfo& info) noexcept override {
    return broker_.open_session(link, info, fanout_, inline_commands_);
  }
  void count_bad_request() noexcept override { broker_.count_bad_request(); }

 private:
  Broker& broker_;
  natter::Fanout* fanout_;
  bool inline_commands_;
};

}  // namespace natter::chat
