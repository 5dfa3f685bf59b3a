#include "local_bus.hpp"

#include <mutex>
#include <vector>

namespace natter::pubsub {

namespace {

// Every started instance in this process. Publishers hold the lock shared
// while they call listeners, so stop() (exclusive) cannot pull an instance
// away mid-delivery.
struct Registry {
  std::shared_mutex mutex;
  std::vector<LocalBus*> buses;
};

Registry& registry() {
  static Registry r;
  return r;
}

}  // namespace

LocalBus::LocalBus(natter::Host& host, const natter::PluginConfig&)
    : published_(host.counter("published_total", "Payloads published")),
      delivered_(host.counter("delivered_total", "Payloads handed to other in-process nodes")) {}

LocalBus::~LocalBus() { stop(); }

bool LocalBus::start(natter::BusListener& listener, natter::Diagnostic&) noexcept {
  std::unique_lock lock(registry().mutex);
  listener_ = &listener;
  try {
    registry().buses.push_back(this);
  } catch (...) {
    return false;
  }
  return true;
}

bool LocalBus::wants(std::string_view topic) const { return topics_.count(topic) != 0; }

void LocalBus::subscribe(std::string_view topic) noexcept {
  std::unique_lock lock(registry().mutex);
  try {
    topics_.emplace(topic);
  } catch (...) {
  }
}

void LocalBus::unsubscribe(std::string_view topic) noexcept {
  std::unique_lock lock(registry().mutex);
  if (auto it = topics_.find(topic); it != topics_.end()) topics_.erase(it);
}

void LocalBus::publish(std::string_view topic, std::span<const std::byte> payload) noexcept {
  published_.add(1);
  std::shared_lock lock(registry().mutex);
  for (LocalBus* bus : registry().buses) {
    if (bus == this || !bus->wants(topic)) continue;
    bus->listener_->received(topic, payload);  // listeners only copy and post
    delivered_.add(1);
  }
}

void LocalBus::stop() noexcept {
  std::unique_lock lock(registry().mutex);
  std::erase(registry().buses, this);
}

}  // namespace natter::pubsub
