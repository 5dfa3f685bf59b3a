#pragma once
// How long an I/O thread that ran out of work keeps looking for more
// before it sleeps. Looking pays when work comes back within the window
// (a busy room's next round): the thread then skips a sleep and a wakeup,
// which on a virtual machine cost more than the gap itself. It is waste
// when the gaps are longer (a steady trickle of messages), and there it
// costs latency too (bench/README.md). So the window adapts, much as the
// kernel's cpuidle-haltpoll governor adapts its own: a sleep that ended
// within the limit grows it, a longer one halves it, and once closed it
// opens again only after a run of short sleeps. Owned by one I/O thread;
// that thread only.

#include <chrono>

namespace natter::ws {

class IdlePoll {
 public:
  // `limit`: the longest window; zero never looks.
  explicit IdlePoll(std::chrono::microseconds limit) noexcept : limit_(limit) {}

  // How long to look for work now.
  std::chrono::microseconds window() const noexcept { return window_; }
  // Looking for `window()` found nothing, and the thread slept until work
  // came `gap` after it ran out.
  void slept(std::chrono::microseconds gap) noexcept;

 private:
  // Sleeps in a row that ended within the limit before a closed window opens.
  static constexpr int kShortSleepsToOpen = 4;

  std::chrono::microseconds limit_;
  std::chrono::microseconds window_{0};
  int short_sleeps_ = 0;
};

}  // namespace natter::ws
