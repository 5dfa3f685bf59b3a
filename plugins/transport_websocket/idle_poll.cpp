#include "idle_poll.hpp"

#include <algorithm>

namespace natter::ws {

void IdlePoll::slept(std::chrono::microseconds gap) noexcept {
  if (gap > limit_) {
    // Out of reach: halve, and close once under the quarter it opens at.
    short_sleeps_ = 0;
    window_ /= 2;
    if (window_ < limit_ / 4) window_ = std::chrono::microseconds(0);
    return;
  }
  // Looking longer would have caught it. A closed window opens only once
  // that keeps happening: a steady trickle alternates a short gap (its
  // ack) with a long one (the next message) and is better off asleep.
  // It opens at a quarter of the limit, as haltpoll starts at 50 of its
  // 200 us, and doubles.
  ++short_sleeps_;
  if (window_.count() == 0 && short_sleeps_ < kShortSleepsToOpen) return;
  window_ = std::min(limit_, std::max(window_ * 2, limit_ / 4));
}

}  // namespace natter::ws
