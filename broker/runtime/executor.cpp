#include "runtime/executor.hpp"

#include <pthread.h>

#include <future>
#include <utility>

namespace natter::runtime {

namespace {

// Set while this thread runs loop tasks: a task that hands over another
// must not run it inside itself.
thread_local bool running_loop_tasks = false;

// This thread's hold_wakes() depth, and the executor it queued tasks on
// without waking it.
thread_local int wake_holds = 0;
thread_local Executor* unwoken = nullptr;

// How many times an inline runner picks up what was handed over while it
// ran (the broker's flush, acks) before it leaves the rest to the loop
// thread, so a transport's thread is not kept from its sockets for long.
constexpr int kInlineRounds = 4;

// A task that throws has left chat state half-changed: as on any thread
// the broker owns, that ends the process.
void run_all(std::vector<Executor::Task>& tasks) noexcept {
  running_loop_tasks = true;
  for (Executor::Task& task : tasks) task();
  running_loop_tasks = false;
  tasks.clear();
}

}  // namespace

Executor::Executor() {
  thread_ = std::thread([this] { run_loop(); });
  pthread_setname_np(thread_.native_handle(), "natter-loop");  // before anyone can look
}

Executor::~Executor() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  work_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool Executor::needs_wake() {
  if (running_ || wake_sent_) return false;
  wake_sent_ = true;
  return true;
}

void Executor::post(Task task) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    queue_.push_back(std::move(task));
    if (wake_holds == 0) wake = needs_wake();
  }
  if (wake) work_.notify_one();
  if (wake_holds > 0 && unwoken != this) {
    if (unwoken) unwoken->wake_if_needed();  // one held executor at a time
    unwoken = this;
  }
}

void Executor::wake_if_needed() {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    wake = !queue_.empty() && needs_wake();
  }
  if (wake) work_.notify_one();
}

void Executor::hold_wakes() noexcept { ++wake_holds; }

void Executor::release_wakes() noexcept {
  if (wake_holds == 0 || --wake_holds > 0) return;
  if (Executor* held = std::exchange(unwoken, nullptr)) held->wake_if_needed();
}

void Executor::run_or_post(Task task) {
  std::unique_lock lock(mutex_);
  if (running_ || stopping_ || running_loop_tasks) {
    queue_.push_back(std::move(task));
    const bool wake = needs_wake();
    lock.unlock();
    if (wake) work_.notify_one();
    return;
  }
  // This thread is the loop now. Tasks handed over earlier go first.
  running_ = true;
  inline_batch_.swap(queue_);
  inline_batch_.push_back(std::move(task));
  for (int round = 0; round < kInlineRounds && !inline_batch_.empty(); ++round) {
    lock.unlock();
    run_all(inline_batch_);
    lock.lock();
    inline_batch_.swap(queue_);
  }
  // What the last round took but did not run goes back; queue_ is empty.
  queue_.swap(inline_batch_);
  running_ = false;
  const bool wake = !queue_.empty() && needs_wake();
  lock.unlock();
  if (wake) work_.notify_one();
}

void Executor::run_loop() {
  std::vector<Task> batch;
  std::unique_lock lock(mutex_);
  while (true) {
    while (!stopping_ && (running_ || queue_.empty())) {
      wake_sent_ = false;  // from here on, the next task queued must wake us
      work_.wait(lock);
    }
    if (stopping_) return;
    running_ = true;
    batch.swap(queue_);
    lock.unlock();
    run_all(batch);
    lock.lock();
    running_ = false;
  }
}

void Executor::barrier() {
  std::promise<void> done;
  post([&done] { done.set_value(); });
  done.get_future().wait();
}

}  // namespace natter::runtime
