#pragma once
// One transport's way into the broker. Sessions opened through it remember
// what the broker knows of the transport (TransportTraits): its Fanout, if
// it offers one, so the broker can hand a room's event to that transport
// once for all its members there; whether it lets commands run on its own
// thread (natter::InlineCommands); and the SDK minor it was built against,
// which says how much of a Command it fills in. Owned by the daemon;
// outlives the transport's stop(). Any thread.

#include <natter/transport.hpp>

#include "chat/broker.hpp"

namespace natter::chat {

class TransportEntry final : public natter::BrokerEntry {
 public:
  TransportEntry(Broker& broker, TransportTraits traits) : broker_(broker), traits_(traits) {}

  natter::SessionPort* open_session(natter::ClientLink& link, const natter::ConnectInfo& info) noexcept override {
    return broker_.open_session(link, info, traits_);
  }
  void count_bad_request() noexcept override { broker_.count_bad_request(); }

 private:
  Broker& broker_;
  TransportTraits traits_;
};

}  // namespace natter::chat
