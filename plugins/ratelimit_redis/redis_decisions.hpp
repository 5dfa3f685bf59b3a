#pragma once
// Decisions that Redis makes. submit() queues one (any thread, never
// blocks beyond a short lock); one thread of this class sends what queued
// in pipelined batches, one round trip for the lot, and completes each
// decision from that thread. While Redis is unreachable nothing is queued:
// submit() returns false and the caller decides by on_error, while the
// thread reconnects with exponential backoff and full jitter.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <natter/plugin.hpp>

#include "bucket_script.hpp"
#include "redis_connection.hpp"

namespace natter::ratelimit {

using redis::RedisConnection;
using redis::RedisEndpoint;
using redis::RedisError;
using redis::RedisReply;

class RedisDecisions {
 public:
  struct Settings {
    RedisEndpoint endpoint;
    std::string key_prefix;
    std::chrono::milliseconds reconnect_max{5000};
    std::size_t queue_max = 10000;
  };
  // Decides what Redis could not: a decision whose batch broke. Called on
  // this class's thread.
  using Fallback = std::function<void(const SharedAsk&, natter::AdmitDone&)>;

  RedisDecisions(Settings settings, const std::vector<LimitRule>& rules, natter::Host& host, Fallback fallback);
  ~RedisDecisions();

  // Tries to connect once (for up to the timeout), then starts the thread,
  // which keeps trying if that failed. Main thread.
  void start();
  // Queues `ask` for Redis, moving from it; false (nothing moved, nothing
  // queued) while Redis is unreachable or the queue is full. Any thread.
  bool submit(SharedAsk& ask, natter::AdmitDone& done);
  // Makes every queued decision, then stops the thread. Main thread.
  void stop();
  // How long until the next attempt to reach Redis: what a client refused
  // by on_error = "deny" is told to wait. Any thread.
  std::chrono::milliseconds until_next_attempt() const;

 private:
  struct Pending {
    SharedAsk ask;
    natter::AdmitDone* done;
  };
  void run();
  void connect();
  void ping();
  void decide(std::vector<Pending>& batch);
  void went_down(const std::string& reason, std::vector<Pending>& undecided);
  void wait_before_retry(std::chrono::milliseconds delay);

  const Settings settings_;
  const BucketKeys keys_;
  natter::Host& host_;
  const Fallback fallback_;
  natter::Counter& refused_;
  natter::Counter& errors_;
  natter::Counter& reconnects_;
  natter::Gauge& up_gauge_;
  natter::Histogram& round_trip_;

  std::unique_ptr<RedisConnection> connection_;  // the thread's
  std::string sha_;                              // the script's, as Redis named it
  int failed_attempts_ = 0;                      // since Redis was last reached
  std::chrono::steady_clock::time_point down_since_{};

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;  // only while up_
  bool up_ = false;
  bool stopping_ = false;
  std::atomic<std::chrono::steady_clock::rep> next_attempt_{0};
  std::thread thread_;
};

}  // namespace natter::ratelimit
