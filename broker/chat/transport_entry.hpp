#pragma once
// One transport's way into the broker. Sessions opened through it remember
// the transport's Fanout (if it offers one), so the broker can hand a
// room's event to that transport once for all its members there. Owned by
// the daemon; outlives the transport's stop(). Any thread.

#include <natter/transport.hpp>

#include "chat/broker.hpp"

namespace natter::chat {

class TransportEntry final : public natter::BrokerEntry {
 public:
  TransportEntry(Broker& broker, natter::Fanout* fanout) : broker_(broker), fanout_(fanout) {}

  natter::SessionPort* open_session(natter::ClientLink& link, const natter::ConnectInfo& info) noexcept override {
    return broker_.open_session(link, info, fanout_);
  }
  void count_bad_request() noexcept override { broker_.count_bad_request(); }

 private:
  Broker& broker_;
  natter::Fanout* fanout_;
};

}  // namespace natter::chat
