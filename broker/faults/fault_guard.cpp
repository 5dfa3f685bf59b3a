#include "faults/fault_guard.hpp"

#include <algorithm>

#include "runtime/logging.hpp"

namespace natter::faults {

FaultGuard::FaultGuard(std::string kind, std::string plugin, std::string section, const config::FaultPolicy& policy,
                       runtime::Timers& timers, runtime::MetricsRegistry& metrics)
    : kind_(std::move(kind)),
      plugin_(std::move(plugin)),
      section_(std::move(section)),
      label_(kind_ + " '" + plugin_ + "' ([" + section_ + "])"),
      refusal_(kind_ + " '" + plugin_ + "' is not answering; try again later"),
      labels_{{"kind", kind_}, {"plugin", plugin_}, {"section", section_}},
      policy_(policy),
      timers_(timers),
      state_metric_(metrics.gauge("natter_plugin_breaker_state",
                                  "Circuit breaker of a plugin: 0 closed, 1 open, 2 half-open",
                                  labels_)),
      trips_(metrics.counter("natter_plugin_breaker_trips_total", "Times a plugin's circuit breaker opened",
                             labels_)),
      timeouts_(metrics.counter("natter_plugin_call_timeouts_total",
                                "Calls to a plugin it did not answer within their deadline",
                                labels_)),
      failures_(metrics.counter("natter_plugin_call_failures_total",
                                "Calls a plugin answered with a failure (after any retries)",
                                labels_)),
      retries_(metrics.counter("natter_plugin_call_retries_total", "Failed calls asked of a plugin again",
                               labels_)),
      short_circuited_(metrics.counter("natter_plugin_calls_short_circuited_total",
                                       "Calls answered at once because the plugin's circuit breaker was open",
                                       labels_)),
      breaker_(policy.trip_after, std::chrono::milliseconds(policy.open_ms)),
      jitter_(static_cast<std::uint32_t>(Clock::now().time_since_epoch().count())) {
  state_metric_.set(0);
}

bool FaultGuard::admit() {
  bool allowed = false;
  bool trial = false;
  {
    std::lock_guard lock(mutex_);
    const BreakerState before = breaker_.state();
    allowed = breaker_.allow(Clock::now());
    trial = allowed && before == BreakerState::open;
    if (trial) publish_state();
  }
  if (trial) runtime::log().info("{}: circuit half-open, trying one call", label_);
  if (!allowed) short_circuited_.add(1);
  return allowed;
}

bool FaultGuard::would_admit() const {
  std::lock_guard lock(mutex_);
  return breaker_.would_allow(Clock::now());
}

void FaultGuard::begin(GuardedCall& call) {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  call.deadline_ = now + std::chrono::milliseconds(policy_.deadline_ms);
  call.asking_ = true;
  call.prev_ = newest_;
  call.next_ = nullptr;
  (newest_ ? newest_->next_ : oldest_) = &call;
  newest_ = &call;
  if (!sweep_scheduled_) schedule_sweep(call.deadline_);
}

Verdict FaultGuard::answered(GuardedCall& call, bool failed, bool repeatable) {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  call.asking_ = false;
  if (call.expired_) return Verdict::late;
  if (call.late_) return Verdict::answer;  // counted at its deadline
  if (failed && repeatable && call.retries_ < policy_.retries) {
    const auto pause = backoff(call.retries_);
    if (now + pause < call.deadline_) {
      ++call.retries_;
      retries_.add(1);
      timers_.at(now + pause, [this, &call] { reissue(call); });
      return Verdict::retry;
    }
  }
  unlink(call);
  if (failed) failures_.add(1);
  record(failed, now);
  return Verdict::answer;
}

void FaultGuard::succeeded() {
  std::lock_guard lock(mutex_);
  record(false, Clock::now());
}

void FaultGuard::reissue(GuardedCall& call) {
  {
    std::lock_guard lock(mutex_);
    if (call.expired_) {
      // The deadline passed during the pause; nothing else holds the call.
      delete &call;
      return;
    }
    call.asking_ = true;
  }
  call.reissue();
}

void FaultGuard::sweep() {
  const auto now = Clock::now();
  std::lock_guard lock(mutex_);
  sweep_scheduled_ = false;
  while (oldest_ && oldest_->deadline_ <= now) {
    GuardedCall& call = *oldest_;
    unlink(call);
    timeouts_.add(1);
    record(true, now);
    if (!call.answered_at_deadline_) {
      call.late_ = true;
      continue;
    }
    call.expired_ = true;
    // With an attempt still out the plugin's late answer deletes the call;
    // in a retry's pause the pending reissue() does.
    call.expire();
  }
  if (oldest_) schedule_sweep(oldest_->deadline_);
}

void FaultGuard::schedule_sweep(Clock::time_point when) {
  sweep_scheduled_ = true;
  timers_.at(when, [this] { sweep(); });
}

void FaultGuard::unlink(GuardedCall& call) {
  (call.prev_ ? call.prev_->next_ : oldest_) = call.next_;
  (call.next_ ? call.next_->prev_ : newest_) = call.prev_;
  call.prev_ = call.next_ = nullptr;
}

void FaultGuard::record(bool failed, Clock::time_point now) {
  const BreakerState before = breaker_.state();
  if (!failed) {
    breaker_.succeeded();
  } else if (breaker_.failed(now)) {
    trips_.add(1);
    runtime::log().warn("{}: circuit open after failed or late calls; calls {} for {} ms", label_,
                        policy_.fail_open ? "fail open" : "fail closed", policy_.open_ms);
  }
  if (breaker_.state() != before) {
    publish_state();
    if (breaker_.state() == BreakerState::closed) runtime::log().info("{}: circuit closed, the plugin answers", label_);
  }
}

FaultGuard::Clock::duration FaultGuard::backoff(std::uint32_t retry) {
  // Full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter"):
  // a random pause below a ceiling that doubles with each retry.
  const std::uint64_t ceiling =
      std::min<std::uint64_t>(policy_.backoff_max_ms, std::uint64_t{policy_.backoff_ms} << std::min(retry, 20u));
  std::uniform_int_distribution<std::uint64_t> pick(0, ceiling);
  return std::chrono::milliseconds(pick(jitter_));
}

void FaultGuard::publish_state() { state_metric_.set(static_cast<std::int64_t>(breaker_.state())); }

GuardSnapshot FaultGuard::snapshot() const {
  std::lock_guard lock(mutex_);
  return {kind_, plugin_, section_, breaker_.state(), trips_.value(), policy_.fail_open};
}

}  // namespace natter::faults
