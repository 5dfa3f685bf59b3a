#pragma once
// Pub/sub through Redis (PUBLISH, SUBSCRIBE). Every topic is a channel
// under `channel_prefix`, so clusters can share one Redis. The plugin's
// own thread (`redis-bus`, RedisBusLoop) holds two connections, one
// subscribed and one publishing, and drives both with poll(); callers only
// queue work and wake it, so no call blocks.
//
// Each publication starts with this instance's random tag, which is how
// an instance recognises, and drops, its own publications when Redis
// hands them back. While Redis is unreachable publications are dropped
// (and counted); once it is back every topic is subscribed again and the
// broker hears of the gap, so it re-reads what it missed from storage.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <natter/plugin.hpp>

#include "redis_connection.hpp"

namespace natter::pubsub {

struct RedisBusSettings {
  redis::RedisEndpoint endpoint;
  std::string channel_prefix;
  std::chrono::milliseconds reconnect_max{5000};
  std::size_t queue_max = 100'000;
};

// What callers asked of the thread since it last looked. Any thread.
class BusRequests {
 public:
  BusRequests();
  ~BusRequests();
  BusRequests(const BusRequests&) = delete;
  BusRequests& operator=(const BusRequests&) = delete;

  struct Taken {
    std::vector<std::pair<std::string, bool>> topics;  // topic, subscribe (else unsubscribe), in call order
    std::vector<std::pair<std::string, std::string>> publications;  // channel, tagged payload
    bool stopping = false;
  };
  void change_topic(std::string_view topic, bool subscribe);
  // False (nothing queued) when `queue_max` publications already wait.
  bool publish(std::string channel, std::string payload, std::size_t queue_max);
  void stop();
  // The thread's side: an eventfd readable while something waits.
  int wake_fd() const noexcept { return wake_fd_; }
  Taken take();

 private:
  void wake();  // caller holds mutex_
  std::mutex mutex_;
  Taken waiting_;
  bool woken_ = false;
  int wake_fd_ = -1;
};

class RedisBusLoop;

class RedisBus final : public natter::PubSub {
 public:
  static std::span<const natter::ConfigKey> keys();

  RedisBus(natter::Host& host, const natter::PluginConfig& config);
  ~RedisBus();

  bool start(natter::BusListener& listener, natter::Diagnostic& error) noexcept override;
  void subscribe(std::string_view topic) noexcept override;
  void unsubscribe(std::string_view topic) noexcept override;
  void publish(std::string_view topic, std::span<const std::byte> payload) noexcept override;
  void stop() noexcept override;

 private:
  natter::Host& host_;
  RedisBusSettings settings_;
  std::uint64_t tag_;  // this instance's, first 8 bytes of each publication
  BusRequests requests_;
  std::atomic<bool> up_{false};  // the thread's view: connected and subscribed
  natter::Counter& dropped_;
  std::unique_ptr<RedisBusLoop> loop_;
  std::thread thread_;
};

}  // namespace natter::pubsub
