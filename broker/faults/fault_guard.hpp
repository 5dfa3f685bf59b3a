#pragma once
// The fault policy of one plugin instance (docs/configuration.md, "Fault
// policy"): every call the broker makes to it and waits for gets a
// deadline, a call that is safe to repeat is retried after a failure with
// exponential backoff and full jitter, and a circuit breaker spares a
// plugin that keeps failing. Calls are GuardedCall objects, the broker's
// completions handed to the plugin in place of the caller's.
//
// Thread safety: every method may be called from any thread. The guard
// answers expired calls and reissues retries on the broker loop (through
// runtime::Timers). It outlives every call it guards and the timers.

#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>
#include <string>

#include <natter/values.hpp>

#include "config/fault_policy.hpp"
#include "faults/circuit_breaker.hpp"
#include "runtime/metrics.hpp"
#include "runtime/timers.hpp"

namespace natter::faults {

class FaultGuard;

// One call in flight through a guard. A subclass implements the plugin's
// completion interface: on the plugin's answer it asks its guard
// (FaultGuard::answered) what to do with it.
class GuardedCall {
 public:
  virtual ~GuardedCall() = default;

 protected:
  // `answered_at_deadline`: false for a write, which the plugin may still
  // complete after the deadline (storage keeps an append through an outage
  // and commits it later). Such a call is counted late, against the
  // breaker, but its caller waits for the plugin's own answer: answering
  // `unavailable` first would invite a retry that stores the message twice.
  explicit GuardedCall(bool answered_at_deadline = true) : answered_at_deadline_(answered_at_deadline) {}
  // The deadline passed first (or the breaker is open, at launch): answer
  // the caller as the policy says. Runs
  // on the loop with the guard's lock held, so it must only hand the answer
  // on (the broker's completions post it to the loop), never call the guard.
  virtual void expire() noexcept = 0;
  // Hand the same request to the plugin again (a retry). The loop thread.
  virtual void reissue() noexcept = 0;

 private:
  friend class FaultGuard;
  std::chrono::steady_clock::time_point deadline_{};
  GuardedCall* prev_ = nullptr;
  GuardedCall* next_ = nullptr;
  const bool answered_at_deadline_;
  bool expired_ = false;  // the caller has had the policy's answer
  bool late_ = false;     // a write past its deadline, counted; the caller still waits
  bool asking_ = false;   // an attempt is with the plugin
  std::uint32_t retries_ = 0;
};

// What a caller does with the plugin's answer to a call.
enum class Verdict {
  answer,  // hand it to the caller, then delete the call
  late,    // the caller was answered at the deadline: delete the call
  retry,   // keep the call: the guard reissues it after a pause
};

struct GuardSnapshot {
  std::string kind, plugin, section;
  BreakerState state = BreakerState::closed;
  std::uint64_t trips = 0;
  bool fail_open = false;
};

class FaultGuard {
 public:
  using Clock = std::chrono::steady_clock;

  // `kind`, `plugin` and `section` name the plugin in metrics and status.
  FaultGuard(std::string kind, std::string plugin, std::string section, const config::FaultPolicy& policy,
             runtime::Timers& timers, runtime::MetricsRegistry& metrics);
  FaultGuard(const FaultGuard&) = delete;
  FaultGuard& operator=(const FaultGuard&) = delete;

  const config::FaultPolicy& policy() const { return policy_; }

  // Starts `call` (allocated with new): `first_attempt` hands it to the
  // plugin, unless the breaker is open; then it is answered at once as the
  // policy says, and deleted. The calling thread.
  template <class FirstAttempt>
  void launch(GuardedCall& call, FirstAttempt&& first_attempt) {
    if (!admit()) {
      call.expire();
      delete &call;
      return;
    }
    begin(call);
    first_attempt();
  }
  // Whether a call may go to the plugin now. False: the breaker is open,
  // and the caller answers at once as the policy says (counted).
  bool admit();
  // Whether a call would be admitted now, without taking a half-open
  // breaker's one trial.
  bool would_admit() const;
  const std::string& kind() const { return kind_; }
  // `call` goes to the plugin now; its deadline starts. Call after admit()
  // and before handing the call to the plugin.
  void begin(GuardedCall& call);
  // The plugin answered `call`: `failed` when it could not do the work.
  // `repeatable`: the call may be asked again (a read, a signature).
  Verdict answered(GuardedCall& call, bool failed, bool repeatable);
  // A call that has no answer to wait for (a 1.11 hook): counts as a success.
  void succeeded();

  // Why a call the plugin did not answer failed, for the client:
  // "storage 'sqlite' is not answering". Valid while the guard lives.
  std::string_view refusal() const { return refusal_; }
  // True for the codes that mean the plugin could not do the work, rather
  // than that it answered no (not_found, forbidden...).
  static bool failure(natter::ErrorCode code) {
    return code == natter::ErrorCode::unavailable || code == natter::ErrorCode::internal;
  }

  GuardSnapshot snapshot() const;
  // A line for the log, "storage 'faulty' ([storage])".
  const std::string& label() const { return label_; }

 private:
  void unlink(GuardedCall& call);
  void sweep();
  void schedule_sweep(Clock::time_point when);
  void record(bool failed, Clock::time_point now);
  void reissue(GuardedCall& call);
  Clock::duration backoff(std::uint32_t retry);
  void publish_state();

  const std::string kind_, plugin_, section_, label_, refusal_;
  const runtime::Labels labels_;  // of every series below
  const config::FaultPolicy policy_;
  runtime::Timers& timers_;
  runtime::GaugeMetric& state_metric_;
  runtime::CounterMetric &trips_, &timeouts_, &failures_, &retries_, &short_circuited_;

  mutable std::mutex mutex_;
  CircuitBreaker breaker_;                 // guarded by mutex_
  GuardedCall* oldest_ = nullptr;          // calls in flight, oldest deadline first; guarded
  GuardedCall* newest_ = nullptr;          // guarded
  bool sweep_scheduled_ = false;           // guarded
  std::minstd_rand jitter_;                // guarded
};

}  // namespace natter::faults
