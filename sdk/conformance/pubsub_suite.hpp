#pragma once
// The pub/sub conformance suite: what the broker relies on from every
// pub/sub plugin. `natter-conformance pubsub` runs it on a plugin's .so;
// with `--outage CMD` it also cuts the backend off (CMD drops every
// client's connection, or restarts the server) and checks that the plugin
// reports the gap and comes back subscribed.
//
// Several instances live at once, each one a node: the suite publishes on
// one and listens on the others, from several threads, as brokers do.

#include <functional>
#include <memory>

#include <natter/pubsub.hpp>

namespace natter::conformance {

class PubSubUnderTest {
 public:
  virtual ~PubSubUnderTest() = default;
  // Creates and starts one more instance (another node) that delivers to
  // `listener`, which outlives it; fails the test on error.
  virtual natter::PubSub& open(natter::BusListener& listener) = 0;
  // Stops and destroys every instance open() returned.
  virtual void close_all() = 0;
  // Cuts every instance off its backend for a moment; false when the
  // backend cannot be cut off (in-process), which skips the outage cases.
  virtual bool interrupt() = 0;
};

void set_pubsub_under_test(std::function<std::unique_ptr<PubSubUnderTest>()> factory);

}  // namespace natter::conformance
