#include "redis_decisions.hpp"

#include <algorithm>
#include <random>

#include <pthread.h>

namespace natter::ratelimit {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

// The most decisions sent in one round trip; more wait for the next.
constexpr std::size_t kBatchMax = 512;
constexpr milliseconds kFirstRetry{100};
// An idle connection is checked this often, so that a Redis gone while
// nobody asked shows in /metrics, and the first ask after it is decided
// without waiting for a timeout.
constexpr milliseconds kIdlePing{1000};

}  // namespace

RedisDecisions::RedisDecisions(Settings settings, const std::vector<LimitRule>& rules, natter::Host& host,
                               Fallback fallback)
    : settings_(std::move(settings)),
      keys_(settings_.key_prefix, rules, host.node_id()),
      host_(host),
      fallback_(std::move(fallback)),
      refused_(host.counter("refused_total", "Actions refused (rate_limited)")),
      errors_(host.counter("limiter_errors_total",
                           "Failed attempts to reach Redis, broken connections and error replies")),
      reconnects_(host.counter("limiter_reconnects_total", "Connections to Redis made again after it was lost")),
      up_gauge_(host.gauge("limiter_up", "1 while Redis decides, 0 while on_error does")),
      round_trip_(host.histogram("limiter_round_trip_seconds", "One batch of decisions sent to Redis and answered")) {}

RedisDecisions::~RedisDecisions() { stop(); }

void RedisDecisions::start() {
  try {
    connect();
  } catch (const RedisError& e) {
    std::vector<Pending> none;
    went_down(e.what(), none);
  }
  thread_ = std::thread([this] { run(); });
}

bool RedisDecisions::submit(SharedAsk& ask, natter::AdmitDone& done) {
  {
    std::lock_guard lock(mutex_);
    if (!up_ || stopping_ || queue_.size() >= settings_.queue_max) return false;
    queue_.push_back({std::move(ask), &done});
  }
  wake_.notify_one();
  return true;
}

void RedisDecisions::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

milliseconds RedisDecisions::until_next_attempt() const {
  const Clock::time_point next{Clock::duration(next_attempt_.load(std::memory_order_relaxed))};
  return std::max(milliseconds(0), std::chrono::ceil<milliseconds>(next - Clock::now()));
}

void RedisDecisions::connect() {
  auto connection = std::make_unique<RedisConnection>(settings_.endpoint);
  const RedisReply loaded = connection->command({"SCRIPT", "LOAD", std::string(bucket_script())});
  if (loaded.kind != RedisReply::Kind::text) {
    throw RedisError(settings_.endpoint.describe() + " refused the bucket script: " + loaded.text);
  }
  connection_ = std::move(connection);
  sha_ = loaded.text;
  if (failed_attempts_ > 0) {
    const auto down_for = std::chrono::duration<double>(Clock::now() - down_since_).count();
    host_.log(natter::LogLevel::info, "Redis at " + settings_.endpoint.describe() + " is back after " +
                                          std::to_string(failed_attempts_) + " failed attempts (" +
                                          std::to_string(static_cast<int>(down_for)) + " s); it decides again");
    reconnects_.add(1);
  } else {
    host_.log(natter::LogLevel::info, "buckets in Redis at " + settings_.endpoint.describe());
  }
  failed_attempts_ = 0;
  {
    std::lock_guard lock(mutex_);
    up_ = true;
  }
  up_gauge_.set(1);
}

void RedisDecisions::run() {
  pthread_setname_np(pthread_self(), "redis-limits");
  redis::block_sigpipe_on_this_thread();
  std::mt19937_64 random(std::random_device{}());
  for (;;) {
    if (!connection_) {
      {
        std::lock_guard lock(mutex_);
        if (stopping_) return;
      }
      // Full jitter: a random pause up to the doubled cap, so nodes that
      // lost Redis together do not come back in step.
      const auto cap = std::min<milliseconds>(settings_.reconnect_max,
                                              kFirstRetry * (1 << std::min(failed_attempts_ - 1, 16)));
      wait_before_retry(milliseconds(std::uniform_int_distribution<milliseconds::rep>(0, cap.count())(random)));
      try {
        connect();
      } catch (const RedisError& e) {
        std::vector<Pending> none;
        went_down(e.what(), none);
      }
      continue;
    }
    std::vector<Pending> batch;
    {
      std::unique_lock lock(mutex_);
      if (!wake_.wait_for(lock, kIdlePing, [&] { return stopping_ || !queue_.empty(); })) {
        lock.unlock();
        ping();
        continue;
      }
      if (queue_.empty()) return;  // stopping, and every decision made
      const std::size_t n = std::min(queue_.size(), kBatchMax);
      batch.reserve(n);
      std::move(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n), std::back_inserter(batch));
      queue_.erase(queue_.begin(), queue_.begin() + static_cast<std::ptrdiff_t>(n));
    }
    try {
      decide(batch);
    } catch (const std::exception& e) {  // RedisError, or no memory for a command
      went_down(e.what(), batch);
    }
  }
}

void RedisDecisions::ping() {
  std::vector<Pending> none;
  try {
    const RedisReply pong = connection_->command({"PING"});
    if (pong.kind == RedisReply::Kind::error) went_down("PING: " + pong.text, none);
  } catch (const std::exception& e) {
    went_down(e.what(), none);
  }
}

void RedisDecisions::decide(std::vector<Pending>& batch) {
  std::vector<RedisConnection::Command> calls;
  calls.reserve(batch.size());
  for (const Pending& p : batch) calls.push_back(keys_.call(sha_, p.ask));
  const auto sent = Clock::now();
  std::vector<RedisReply> replies = connection_->pipeline(calls);
  round_trip_.observe(std::chrono::duration<double>(Clock::now() - sent).count());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    RedisReply& reply = replies[i];
    if (reply.kind == RedisReply::Kind::error && reply.text.starts_with("NOSCRIPT")) {
      // Someone ran SCRIPT FLUSH: load it again, and ask once more.
      const RedisReply loaded = connection_->command({"SCRIPT", "LOAD", std::string(bucket_script())});
      if (loaded.kind == RedisReply::Kind::text) sha_ = loaded.text;
      reply = connection_->command(keys_.call(sha_, batch[i].ask));
    }
    natter::AdmitDone& done = *batch[i].done;
    if (reply.kind == RedisReply::Kind::integer && reply.integer == 0) {
      done.admitted();
    } else if (reply.kind == RedisReply::Kind::integer && reply.integer > 0) {
      refused_.add(1);
      done.refused(static_cast<std::uint32_t>(std::min<long long>(reply.integer, 86'400'000)));
    } else {
      errors_.add(1);
      host_.log(natter::LogLevel::warn, "Redis could not decide (" + reply.text + "); on_error decides");
      fallback_(batch[i].ask, done);
    }
    batch[i].done = nullptr;
  }
}

void RedisDecisions::went_down(const std::string& reason, std::vector<Pending>& undecided) {
  const bool first = failed_attempts_ == 0;
  connection_.reset();
  errors_.add(1);
  up_gauge_.set(0);
  if (failed_attempts_++ == 0) down_since_ = Clock::now();
  {
    std::lock_guard lock(mutex_);
    up_ = false;
    std::move(queue_.begin(), queue_.end(), std::back_inserter(undecided));
    queue_.clear();
  }
  host_.log(first ? natter::LogLevel::warn : natter::LogLevel::debug,
            "Redis at " + settings_.endpoint.describe() + " unreachable (" + reason + "); on_error decides until it is back");
  for (Pending& p : undecided) {
    if (p.done) fallback_(p.ask, *p.done);
  }
}

void RedisDecisions::wait_before_retry(milliseconds delay) {
  next_attempt_.store((Clock::now() + delay).time_since_epoch().count(), std::memory_order_relaxed);
  std::unique_lock lock(mutex_);
  wake_.wait_for(lock, delay, [&] { return stopping_; });
}

}  // namespace natter::ratelimit
