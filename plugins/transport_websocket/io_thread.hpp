#pragma once
// One I/O thread of the WebSocket transport: its own io_context (so a
// connection's handlers never need a strand) and an inbox through which
// the broker's events reach the connections that live on it. Events for
// many connections arrive under one lock and one wakeup, and every
// connection they touch writes once per wakeup, with all it was given.
// One timer per thread sweeps its connections for pings and timeouts, so
// an idle connection holds no timer of its own.

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <natter/transport.hpp>

namespace natter::ws {

class WsConnection;

class IoThread {
 public:
  explicit IoThread(std::size_t index);
  ~IoThread();  // stop()
  // Stops the context and joins the thread; idempotent. Owner's thread.
  void stop() noexcept;
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;

  // Runs the context on a new thread called `name` (as top -H shows it, at
  // most 15 bytes), sweeping the watched connections every `tick` (zero:
  // never), only on `cpu` if that is not -1. Once out of work the thread
  // keeps looking for more for `idle_poll` before it sleeps (see run()).
  // Owner's thread; throws std::system_error (a CPU this process may not
  // use, say).
  void start(std::chrono::milliseconds tick, std::string name, int cpu = -1,
             std::chrono::microseconds idle_poll = std::chrono::microseconds(0));
  boost::asio::io_context& context() noexcept { return context_; }
  // Its place among the transport's threads.
  std::size_t index() const noexcept { return index_; }

  // Queues `event` for each of `connections`: WsConnections (as the
  // broker's links, so a span the broker passed needs no copy) that live on
  // this thread and stay alive until it has run what was queued before
  // their release was posted. Keeps call order per connection. With
  // `wake`, the thread sends it soon; without, at the next wake() or waking
  // deliver(). Any thread.
  void deliver(std::span<natter::ClientLink* const> connections, const natter::SharedEvent& event,
               bool wake) noexcept;
  // Sends whatever is queued. Any thread.
  void wake() noexcept;
  // Runs `task` on this thread after everything queued so far has been
  // handed to its connections, held back or not: what the broker queued
  // before closing or detaching a link must reach it first. Any thread.
  void run_after_queued(std::function<void()> task) noexcept;

  // Adds a connection of this thread to the sweep (holding it) or removes
  // it (letting go once the current handler is done). This thread only.
  void watch(const std::shared_ptr<WsConnection>& connection);
  void unwatch(WsConnection& connection);
  // Reports `fd`'s readiness to `connection` (edge-triggered) until the fd
  // is closed; the connection must stay watched that long. This thread only.
  bool register_socket(int fd, WsConnection& connection);

 private:
  // Events from consecutive deliver() calls for the same connections, in
  // call order: the drain hands them to those connections as one FrameRun.
  struct Batch {
    std::vector<natter::ClientLink*> connections;
    std::vector<const natter::SharedEvent*> events;  // one retain each
  };
  // Queues `batch` as one FrameRun on each of its connections, and empties it.
  void hand_over(Batch& batch);
  // Whether to post drain(): none is pending and there is work. With
  // mutex_ held, as is post_drain().
  bool should_post_drain();
  void post_drain() noexcept;
  // This thread: hands everything in the inbox to its connections, lets
  // each connection that got something write, then runs the tasks queued
  // by run_after_queued() in this batch.
  void drain();
  void sweep_after(std::chrono::milliseconds tick);
  // After a sweep period with nothing delivered: gives back the batches
  // the inbox keeps for steady traffic. A burst (a room of thousands
  // filling up, each join announced) leaves them large; steady traffic
  // drains every period and keeps them. This thread only.
  void release_idle_inbox();
  // The thread's body: the context's handlers until stop(), looking for
  // work a while before each sleep (IdlePoll).
  void run();
  // Looks for ready work until `until` and runs it: true as soon as some
  // ran, false if none came.
  bool look_for_work(std::chrono::steady_clock::time_point until);
  // The first handler of work after a sleep notes when it came.
  void note_woken() noexcept;
  void wait_for_events();
  void dispatch_events();

  const std::size_t index_;
  std::chrono::microseconds idle_poll_{0};  // set by start(), before the thread exists
  // This thread only: when the first work after run()'s last sleep came;
  // zero until it has.
  std::chrono::steady_clock::time_point woke_at_;
  boost::asio::io_context context_{1};
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> keep_running_;
  boost::asio::steady_timer sweep_timer_{context_};
  int epoll_fd_;  // the connections' sockets; itself watched by the context
  boost::asio::posix::stream_descriptor epoll_watch_;
  std::thread thread_;
  std::vector<std::shared_ptr<WsConnection>> watched_;  // this thread only
  // Unwatched connections, let go at the end of the handler that unwatched
  // them: an event or a queued delivery later in the same batch may still
  // name them.
  std::vector<std::shared_ptr<WsConnection>> retired_;

  std::mutex mutex_;
  // Guarded by mutex_. Only the first inbox_used_ batches hold anything:
  // the rest keep their memory for later ones.
  std::vector<Batch> inbox_;
  std::size_t inbox_used_ = 0;
  std::vector<std::function<void()>> after_;  // run_after_queued()'s tasks
  bool drain_posted_ = false;

  // This thread only; swapped with the above so steady traffic reuses
  // their memory instead of allocating.
  std::vector<Batch> taken_;
  std::size_t taken_used_ = 0;
  std::vector<std::function<void()>> taken_after_;
  std::vector<WsConnection*> to_flush_;
  bool drained_since_sweep_ = false;
};

}  // namespace natter::ws
