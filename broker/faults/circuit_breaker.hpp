#pragma once
// A circuit breaker: after `trip_after` consecutive failed calls it opens
// and the plugin is spared every call for `open_for`; then one trial call
// goes through (half-open), and its outcome closes the breaker again or
// reopens it. Plain state, no locking: its FaultGuard serialises calls.

#include <chrono>
#include <cstdint>

namespace natter::faults {

// Numbers are what natter_plugin_breaker_state exports.
enum class BreakerState : std::uint8_t { closed = 0, open = 1, half_open = 2 };

const char* state_name(BreakerState state);

class CircuitBreaker {
 public:
  using Clock = std::chrono::steady_clock;

  CircuitBreaker(std::uint32_t trip_after, Clock::duration open_for);

  // Whether a call may go to the plugin at `now`. An open breaker whose
  // time is up turns half-open and lets exactly one trial call through.
  bool allow(Clock::time_point now);
  // Whether allow(now) would, without changing anything.
  bool would_allow(Clock::time_point now) const;
  void succeeded();
  // True when this failure opened the breaker (a trip).
  bool failed(Clock::time_point now);

  BreakerState state() const { return state_; }

 private:
  void open(Clock::time_point now);

  const std::uint32_t trip_after_;
  const Clock::duration open_for_;
  BreakerState state_ = BreakerState::closed;
  std::uint32_t failures_in_a_row_ = 0;
  bool trial_in_flight_ = false;
  Clock::time_point reopens_at_{};
};

}  // namespace natter::faults
