#pragma once
// Pub/sub joins nodes: it moves opaque payloads between the brokers that
// share it. The broker encodes payloads itself; plugins only carry bytes.

#include <cstddef>
#include <span>
#include <string_view>

#include "natter/abi.hpp"

namespace natter {

// Broker-owned receiver of bus traffic; outlives the plugin. Any thread;
// the views are valid only during the call. From ABI 1.9 a plugin never
// hands a node its own publications (before, the broker dropped those).
class BusListener {
 public:
  virtual void received(std::string_view topic, std::span<const std::byte> payload) noexcept = 0;
  // ABI 1.9: publications on the subscribed topics may have been lost
  // (the plugin's connection to its backend dropped and came back, a
  // queue overflowed). Called once the plugin receives again, with every
  // topic resubscribed, so what the broker re-reads from storage then is
  // complete. `reason` is for the log. Only plugins built for 1.9 call it.
  virtual void gap(std::string_view reason) noexcept = 0;

 protected:
  ~BusListener() = default;
};

class PubSub : public Plugin {
 public:
  // Connect and start delivering to `listener`. Main thread.
  virtual bool start(BusListener& listener, Diagnostic& error) noexcept = 0;
  // Interest in a topic is counted by the broker; it calls subscribe once
  // when a topic gains its first local interest and unsubscribe when it
  // loses the last. Any thread, never blocks.
  virtual void subscribe(std::string_view topic) noexcept = 0;
  virtual void unsubscribe(std::string_view topic) noexcept = 0;
  // Best effort, at most once; copies `payload`. Any thread, never blocks.
  virtual void publish(std::string_view topic, std::span<const std::byte> payload) noexcept = 0;
};

}  // namespace natter
