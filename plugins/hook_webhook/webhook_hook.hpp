#pragma once
// hook_webhook: tells a receiver (a push gateway, a mailer) over HTTP of
// messages that reached offline users. Notices are debounced per user:
// the first one opens a window of debounce_ms, and everything for that
// user until it closes goes in one signed POST (webhook_post.hpp), so a
// burst of messages is one notification. Batches wait in a bounded queue
// and go out in order from the plugin's own thread; while the receiver is
// down or failing they are retried with exponential backoff and full
// jitter, so they arrive once it is back. A notice that finds the queue
// full is dropped and counted (dropped_total), and refused to the broker
// (ABI 1.12, ConfirmedHook), whose fault policy then opens the hook's
// circuit breaker. What is queued when natterd stops is tried once more
// and otherwise lost.

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <natter/plugin.hpp>

namespace natter::webhook {

class WebhookHook final : public natter::Hook, public natter::ConfirmedHook {
 public:
  WebhookHook(natter::Host& host, const natter::PluginConfig& config);
  ~WebhookHook();

  bool start(natter::Diagnostic& error) noexcept override;
  void offline(const natter::OfflineNotice& notice) noexcept override;  // loop thread
  void offline(const natter::OfflineNotice& notice, natter::NoticeTaken& done) noexcept override;  // loop thread
  void stop() noexcept override;

  static std::span<const natter::ConfigKey> keys();

 private:
  using Clock = std::chrono::steady_clock;
  // Queues `notice` in its user's batch; false when the queue is full.
  bool enqueue(const natter::OfflineNotice& notice) noexcept;
  struct Batch {
    std::string user;
    std::vector<std::string> notices;  // each one JSON object
    Clock::time_point due;             // when its debounce window closes
  };

  void run();
  // Moves the batches whose window closed (all, when stopping) to ready_.
  void close_windows(Clock::time_point now, bool all);
  std::string body_of(const Batch& batch) const;

  natter::Host& host_;
  std::string url_, secret_;
  std::chrono::milliseconds debounce_, timeout_, retry_min_, retry_max_;
  std::size_t max_batch_, queue_max_;
  bool include_body_;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::map<std::string, Batch, std::less<>> open_;  // guarded: windows still open, by user
  std::deque<Batch> ready_;                          // guarded: in order of their windows' close
  std::size_t queued_ = 0;                           // guarded: notices in open_ and ready_
  bool stopping_ = false;                            // guarded
  std::thread worker_;
  std::mt19937_64 random_{std::random_device{}()};  // worker thread: jitter

  natter::Counter& sent_;
  natter::Counter& notices_sent_;
  natter::Counter& failures_;
  natter::Counter& refused_;
  natter::Counter& dropped_;
  natter::Gauge& queued_gauge_;
};

}  // namespace natter::webhook
