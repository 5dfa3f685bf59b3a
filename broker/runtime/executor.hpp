#pragma once
// The broker loop: all chat state (rooms, sessions, pending sends) is
// touched by one thread at a time, so the state itself needs no locks.
// Tasks run in the order they were handed over. Usually the loop's own
// thread runs them; run_or_post() lets a caller run a task in place when
// the loop is idle, which saves two thread switches per command when a
// transport's I/O thread hands one over.

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace natter::runtime {

class Executor {
 public:
  using Task = std::function<void()>;

  Executor();
  ~Executor();  // stops and joins the thread; tasks not yet run are dropped
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Runs `task` on the loop, after tasks handed over before it. Any thread.
  void post(Task task);
  // Runs `task` on the calling thread before returning if no other thread
  // is running loop tasks (first the tasks handed over before it, after it
  // those they handed over), otherwise posts it. Any thread; from inside a
  // loop task it posts.
  void run_or_post(Task task);
  // Blocks until every task handed over before this call has run. Not from
  // inside a loop task.
  void barrier();
  // From hold_wakes() to the matching release_wakes() (they nest), what the
  // calling thread hands over (to any Executor; the hold is the thread's)
  // is queued without waking the loop thread, which may still take it if
  // it runs meanwhile; the release wakes it once if anything is waiting. A
  // plugin thread completing a batch (a commit's acks) then costs one
  // wakeup, not one per ack. Any thread but the loop's own.
  static void hold_wakes() noexcept;
  static void release_wakes() noexcept;

 private:
  void run_loop();
  // Whether a task just queued must wake the loop thread: none is running
  // the queue and no wakeup is on its way. A plugin completing a batch
  // (a commit's acks) then costs one wakeup while the loop has not run yet.
  // It is not always one: on a CPU the two threads share, the woken loop
  // can pre-empt the plugin after the first task and is woken again for
  // the next, unless the plugin holds wakes. With mutex_ held.
  bool needs_wake();
  // Wakes the loop thread if it sleeps with tasks queued.
  void wake_if_needed();

  std::mutex mutex_;
  std::condition_variable work_;
  std::vector<Task> queue_;  // guarded by mutex_
  bool running_ = false;     // guarded: some thread is running loop tasks
  bool stopping_ = false;    // guarded
  bool wake_sent_ = false;   // guarded: the loop thread was notified since it last went to sleep
  // The tasks an inline runner took; only the thread that set running_
  // from run_or_post() touches it, so steady traffic reuses its memory.
  std::vector<Task> inline_batch_;
  std::thread thread_;
};

}  // namespace natter::runtime
