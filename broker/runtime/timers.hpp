#pragma once
// Tasks that run on the broker loop later: a thread of its own sleeps until
// the earliest deadline and posts what is due to the loop, so the loop
// itself never waits on a clock. For what chat state does later (a typing
// indicator's expiry, a batch of typing news); as punctual as the machine's
// timers, not more. A task cannot be cancelled: it checks, when it runs,
// whether it still has work.

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "runtime/executor.hpp"

namespace natter::runtime {

class Timers {
 public:
  using Clock = std::chrono::steady_clock;

  // `loop` outlives the timers.
  explicit Timers(Executor& loop);
  ~Timers();  // stops and joins the thread; tasks not yet due are dropped
  Timers(const Timers&) = delete;
  Timers& operator=(const Timers&) = delete;

  // Posts `task` to the loop at `when` or soon after. Any thread.
  void at(Clock::time_point when, Executor::Task task);

 private:
  void run();

  Executor& loop_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::multimap<Clock::time_point, Executor::Task> due_;  // guarded by mutex_
  bool stopping_ = false;                                  // guarded
  std::thread thread_;
};

}  // namespace natter::runtime
