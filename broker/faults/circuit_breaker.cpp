#include "faults/circuit_breaker.hpp"

namespace natter::faults {

const char* state_name(BreakerState state) {
  switch (state) {
    case BreakerState::closed: return "closed";
    case BreakerState::open: return "open";
    case BreakerState::half_open: return "half_open";
  }
  return "unknown";
}

CircuitBreaker::CircuitBreaker(std::uint32_t trip_after, Clock::duration open_for)
    : trip_after_(trip_after == 0 ? 1 : trip_after), open_for_(open_for) {}

bool CircuitBreaker::allow(Clock::time_point now) {
  switch (state_) {
    case BreakerState::closed: return true;
    case BreakerState::open:
      if (now < reopens_at_) return false;
      state_ = BreakerState::half_open;
      trial_in_flight_ = true;
      return true;
    case BreakerState::half_open:
      if (trial_in_flight_) return false;
      trial_in_flight_ = true;
      return true;
  }
  return false;
}

bool CircuitBreaker::would_allow(Clock::time_point now) const {
  switch (state_) {
    case BreakerState::closed: return true;
    case BreakerState::open: return now >= reopens_at_;
    case BreakerState::half_open: return !trial_in_flight_;
  }
  return false;
}

void CircuitBreaker::succeeded() {
  // A success in half-open is the trial's (or a call from before the
  // breaker opened that came back well): either way the plugin answers.
  state_ = BreakerState::closed;
  failures_in_a_row_ = 0;
  trial_in_flight_ = false;
}

bool CircuitBreaker::failed(Clock::time_point now) {
  if (state_ == BreakerState::open) return false;  // a call from before it opened
  if (state_ == BreakerState::half_open || ++failures_in_a_row_ >= trip_after_) {
    open(now);
    return true;
  }
  return false;
}

void CircuitBreaker::open(Clock::time_point now) {
  state_ = BreakerState::open;
  failures_in_a_row_ = 0;
  trial_in_flight_ = false;
  reopens_at_ = now + open_for_;
}

}  // namespace natter::faults
