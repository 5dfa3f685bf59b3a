#include "idle_poll.hpp"

#include <algorithm>

namespace natter::ws {

void IdlePoll::slept(std::chrono::microseconds gap) noexcept {
  if (gap <= limit_) {
    // Looking longer would have caught it. Start at a quarter of the
    // limit, as haltpoll starts at 50 of its 200 us, then double.
    window_ = std::min(limit_, std::max(window_ * 2, limit_ / 4));
  } else {
    // Out of reach: halve, and stop looking once it is under the quarter
    // it started from.
    window_ /= 2;
    if (window_ < limit_ / 4) window_ = std::chrono::microseconds(0);
  }
}

}  // namespace natter::ws
