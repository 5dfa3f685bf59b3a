#pragma once
// Pub/sub joins nodes: it moves opaque payloads between the brokers that
// share it. The broker encodes payloads itself; plugins only carry bytes.

#include <cstddef>
#include <span>
#include <string_view>

#include "natter/abi.hpp"

namespace natter {

// Broker-owned receiver of bus traffic; outlives the plugin. Any thread;
// the views are valid only during the call. A node also receives its own
// publications if the backend echoes them; the broker drops those.
class BusListener {
 public:
  virtual void received(std::string_view topic, std::span<const std::byte> payload) noexcept = 0;

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
