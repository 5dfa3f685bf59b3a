#pragma once
// In-process pub/sub: connects every broker in this process that loaded
// this plugin (one, in a normal single-node deployment; several in tests
// that run nodes side by side). A publication reaches every other instance
// subscribed to its topic, never its own publisher. Nothing leaves the
// process, so a single node pays nothing for it, and nothing is ever lost:
// it never reports a gap.

#include <set>
#include <shared_mutex>
#include <string>

#include <natter/plugin.hpp>

namespace natter::pubsub {

class LocalBus final : public natter::PubSub {
 public:
  LocalBus(natter::Host& host, const natter::PluginConfig& config);
  ~LocalBus();

  bool start(natter::BusListener& listener, natter::Diagnostic& error) noexcept override;
  void subscribe(std::string_view topic) noexcept override;
  void unsubscribe(std::string_view topic) noexcept override;
  void publish(std::string_view topic, std::span<const std::byte> payload) noexcept override;
  void stop() noexcept override;

 private:
  bool wants(std::string_view topic) const;  // caller holds the registry lock

  natter::BusListener* listener_ = nullptr;
  std::set<std::string, std::less<>> topics_;  // guarded by the registry lock
  natter::Counter& published_;
  natter::Counter& delivered_;
};

}  // namespace natter::pubsub
