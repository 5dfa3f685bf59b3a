#pragma once
// The `redis-bus` thread of one RedisBus: connects (and reconnects, with
// backoff and full jitter), keeps the subscribed channels in step with
// what the broker asked for, writes queued publications as one pipeline
// per wake-up, hands what other nodes published to the listener, pings an
// idle connection so a dead one is noticed within the timeout, and tells
// the listener of a gap once it is back after a loss. Owned by RedisBus;
// run() is the thread's body and returns once stop was requested.

#include <chrono>
#include <cstdint>
#include <memory>
#include <random>
#include <set>
#include <string>

#include <natter/plugin.hpp>

#include "redis_bus.hpp"
#include "redis_connection.hpp"

namespace natter::pubsub {

class RedisBusLoop {
 public:
  // Everything borrowed outlives the loop.
  RedisBusLoop(natter::Host& host, const RedisBusSettings& settings, std::uint64_t tag, BusRequests& requests,
               std::atomic<bool>& up, natter::BusListener& listener);
  void run();

 private:
  using Clock = std::chrono::steady_clock;
  bool connect();  // false after logging why
  void went_down(std::string_view why);
  // Waits up to `wait` for a wake-up; false once stop was requested.
  bool pause(std::chrono::milliseconds wait);
  bool serve_requests();  // false once stop was requested
  void subscribe_all();
  void received(const redis::RedisReply& reply);
  void keep_alive();
  std::chrono::milliseconds retry_pause();

  natter::Host& host_;
  const RedisBusSettings& settings_;
  const std::uint64_t tag_;
  BusRequests& requests_;
  std::atomic<bool>& up_;
  natter::BusListener& listener_;

  std::set<std::string, std::less<>> channels_;  // what the broker wants subscribed
  std::unique_ptr<redis::RedisConnection> subscriber_, publisher_;
  std::size_t unconfirmed_ = 0;  // SUBSCRIBEs sent since connecting, not yet confirmed
  std::size_t unanswered_ = 0;   // PUBLISHes without their reply
  bool gap_ = false;             // publications may have been lost since the last gap report
  std::string gap_reason_;
  bool ever_up_ = false;
  int failed_attempts_ = 0;
  Clock::time_point heard_from_subscriber_, heard_from_publisher_, ping_sent_;
  bool ping_outstanding_ = false;
  std::mt19937_64 random_;

  natter::Gauge& up_gauge_;
  natter::Counter& published_;
  natter::Counter& received_;
  natter::Counter& foreign_;
  natter::Counter& reconnects_;
  natter::Counter& gaps_;
};

}  // namespace natter::pubsub
