#include "io_thread.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/epoll.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <string>
#include <system_error>

#include <boost/asio/post.hpp>

#include "frame_run.hpp"
#include "idle_poll.hpp"
#include "ws_connection.hpp"

namespace natter::ws {

namespace asio = boost::asio;

IoThread::IoThread(std::size_t index)
    : index_(index),
      keep_running_(asio::make_work_guard(context_)),
      epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)),
      epoll_watch_(context_) {
  if (epoll_fd_ < 0) throw std::system_error(errno, std::system_category(), "epoll_create1");
  epoll_watch_.assign(epoll_fd_);
}

IoThread::~IoThread() {
  stop();
  // The thread is gone, maybe before it got to these (a backlog at
  // shutdown): run them here, or a connection whose detached() task is
  // among them keeps its hold on itself and is never freed. The events
  // still in the inbox are let go below, unsent.
  for (auto& task : after_) task();
  after_.clear();
  watched_.clear();
  retired_.clear();
  for (std::size_t i = 0; i < inbox_used_; ++i) {
    for (const auto* event : inbox_[i].events) event->release();
  }
}

void IoThread::stop() noexcept {
  keep_running_.reset();
  context_.stop();
  if (thread_.joinable()) thread_.join();
}

namespace {

// The CPUs natterd's threads start on, comma-separated, and those the
// machine has online, as the kernel writes them, for an error message: an
// I/O thread may be pinned outside the first (natterd started with
// `taskset` or CPUAffinity=, to keep its other threads off the I/O CPUs)
// but not outside the second.
std::string cpus_hint() {
  cpu_set_t allowed;
  std::string list;
  if (sched_getaffinity(0, sizeof allowed, &allowed) == 0) {
    for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
      if (CPU_ISSET(cpu, &allowed)) list += (list.empty() ? "" : ",") + std::to_string(cpu);
    }
  }
  std::string online;
  std::ifstream("/sys/devices/system/cpu/online") >> online;
  return "natterd runs on CPUs " + (list.empty() ? "?" : list) + " of this machine's " +
         (online.empty() ? "?" : online);
}

}  // namespace

void IoThread::start(std::chrono::milliseconds tick, std::string name, int cpu,
                     std::chrono::microseconds idle_poll) {
  idle_poll_ = idle_poll;
  if (tick.count() > 0) sweep_after(tick);
  wait_for_events();
  thread_ = std::thread([this] { run(); });
  // Named here, not by the thread itself, so it carries its name once
  // start() returns: natterd says "ready" after that, and whoever looks
  // at its threads then (an operator, a test) must find ws-io-N.
  pthread_setname_np(thread_.native_handle(), name.c_str());
  if (cpu < 0) return;
  cpu_set_t only;
  CPU_ZERO(&only);
  CPU_SET(cpu, &only);
  if (const int rc = pthread_setaffinity_np(thread_.native_handle(), sizeof only, &only); rc != 0) {
    stop();
    // EINVAL: a CPU the machine (or its cpuset) does not offer; EPERM: a
    // policy (a system call filter, say) forbids pinning at all.
    const std::string hint = rc == EINVAL ? " (" + cpus_hint() + ")" : "";
    throw std::system_error(rc, std::generic_category(),
                            "cannot pin " + name + " to CPU " + std::to_string(cpu) + hint);
  }
}

void IoThread::run() {
  if (idle_poll_.count() == 0) {
    context_.run();
    return;
  }
  using Clock = std::chrono::steady_clock;
  IdlePoll idle(idle_poll_);
  while (!context_.stopped()) {
    if (context_.poll() > 0) continue;
    const Clock::time_point out_of_work = Clock::now();
    if (look_for_work(out_of_work + idle.window())) continue;
    woke_at_ = {};
    context_.run_one();
    // Only the work the window is for (sockets, deliveries) sets woke_at_.
    if (woke_at_ != Clock::time_point{}) {
      idle.slept(std::chrono::duration_cast<std::chrono::microseconds>(woke_at_ - out_of_work));
    }
  }
}

bool IoThread::look_for_work(std::chrono::steady_clock::time_point until) {
  // Yielding between looks leaves the CPU to any thread that wants it, so
  // looking only takes time nobody else is asking for.
  while (std::chrono::steady_clock::now() < until) {
    sched_yield();
    if (context_.poll() > 0) return true;
  }
  return false;
}

void IoThread::note_woken() noexcept {
  if (woke_at_ == std::chrono::steady_clock::time_point{}) woke_at_ = std::chrono::steady_clock::now();
}

void IoThread::sweep_after(std::chrono::milliseconds tick) {
  sweep_timer_.expires_after(tick);
  sweep_timer_.async_wait([this, tick](boost::system::error_code ec) {
    if (ec) return;
    const auto now = std::chrono::steady_clock::now();
    // heartbeat() never closes a socket itself (it posts abort()), so
    // the list holds still while we walk it.
    for (const auto& connection : watched_) connection->heartbeat(now);
    retired_.clear();
    if (!drained_since_sweep_) release_idle_inbox();
    drained_since_sweep_ = false;
    sweep_after(tick);
  });
}

void IoThread::release_idle_inbox() {
  // Move-assigned, not `= {}`, which would keep the vectors' capacity.
  taken_ = std::vector<Batch>();
  std::lock_guard lock(mutex_);
  if (inbox_used_ == 0) inbox_ = std::vector<Batch>();
}

void IoThread::watch(const std::shared_ptr<WsConnection>& connection) {
  connection->watch_slot = watched_.size();
  watched_.push_back(connection);
}

void IoThread::unwatch(WsConnection& connection) {
  const std::size_t slot = connection.watch_slot;
  connection.watch_slot = static_cast<std::size_t>(-1);
  if (slot + 1 != watched_.size()) {
    std::swap(watched_[slot], watched_.back());
    watched_[slot]->watch_slot = slot;
  }
  try {
    retired_.push_back(std::move(watched_.back()));
  } catch (...) {
    // Out of memory: nothing later in this batch may name it then; the
    // callers hold their own reference while they run.
  }
  watched_.pop_back();
}

bool IoThread::register_socket(int fd, WsConnection& connection) {
  epoll_event event{EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, {.ptr = &connection}};
  return ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0;
}

void IoThread::wait_for_events() {
  epoll_watch_.async_wait(asio::posix::descriptor_base::wait_read, [this](boost::system::error_code ec) {
    if (!ec) dispatch_events();
  });
}

void IoThread::dispatch_events() {
  note_woken();
  constexpr int kBatch = 256;
  epoll_event events[kBatch];
  const int ready = ::epoll_wait(epoll_fd_, events, kBatch, 0);
  for (int i = 0; i < ready; ++i) static_cast<WsConnection*>(events[i].data.ptr)->on_events(events[i].events);
  retired_.clear();
  if (ready == kBatch) {
    // More may be ready: let other handlers (deliveries) run, then come back.
    asio::post(context_, [this] { dispatch_events(); });
    return;
  }
  wait_for_events();
}

void IoThread::deliver(std::span<natter::ClientLink* const> connections, const natter::SharedEvent& event,
                       bool wake) noexcept {
  if (connections.empty()) return;
  {
    std::lock_guard lock(mutex_);
    try {
      // A room's messages reach the same connections one after another:
      // they join the batch before, and go out as one run.
      Batch* batch = inbox_used_ > 0 ? &inbox_[inbox_used_ - 1] : nullptr;
      if (batch && std::ranges::equal(batch->connections, connections)) {
        batch->events.push_back(&event);
      } else {
        if (inbox_used_ == inbox_.size()) inbox_.emplace_back();
        batch = &inbox_[inbox_used_];
        batch->connections.assign(connections.begin(), connections.end());
        batch->events.assign(1, &event);
        ++inbox_used_;
      }
      event.retain();
    } catch (...) {
      // Out of memory: these recipients miss the event, as a client that
      // lagged would; recovery with `since` closes the gap.
    }
    if (wake && should_post_drain()) post_drain();
  }
}

void IoThread::wake() noexcept {
  std::lock_guard lock(mutex_);
  if (should_post_drain()) post_drain();
}

void IoThread::run_after_queued(std::function<void()> task) noexcept {
  try {
    // Through the inbox, not a post of its own: the io_context does not
    // promise to run handlers in the order they were posted from different
    // threads, and this task often frees a connection the drain still names.
    std::lock_guard lock(mutex_);
    after_.push_back(std::move(task));
    if (should_post_drain()) post_drain();
  } catch (...) {
  }
}

bool IoThread::should_post_drain() {
  // One wakeup per batch, however many events and connections it holds.
  if (drain_posted_ || (inbox_used_ == 0 && after_.empty())) return false;
  drain_posted_ = true;
  return true;
}

void IoThread::post_drain() noexcept {
  try {
    asio::post(context_, [this] { drain(); });
  } catch (...) {
  }
}

void IoThread::drain() {
  note_woken();
  drained_since_sweep_ = true;
  {
    std::lock_guard lock(mutex_);
    taken_.swap(inbox_);
    std::swap(taken_used_, inbox_used_);
    taken_after_.swap(after_);
    drain_posted_ = false;
  }
  for (std::size_t i = 0; i < taken_used_; ++i) hand_over(taken_[i]);
  for (WsConnection* connection : to_flush_) connection->flush();
  for (auto& task : taken_after_) task();
  retired_.clear();
  taken_used_ = 0;
  taken_after_.clear();
  to_flush_.clear();
}

void IoThread::hand_over(Batch& batch) {
  FrameRun* run = nullptr;
  try {
    run = FrameRun::make(batch.events, &WsConnection::frame_of);
  } catch (...) {
    // Out of memory: these recipients miss the events, as a lagging client would.
    for (const auto* event : batch.events) event->release();
  }
  if (run) {
    run->add_user();  // until every connection has queued it
    for (natter::ClientLink* link : batch.connections) {
      auto* connection = static_cast<WsConnection*>(link);
      if (!connection->enqueue(*run)) continue;
      try {
        to_flush_.push_back(connection);
      } catch (...) {
        connection->flush();  // out of memory for the list: write now
      }
    }
    run->drop_user();  // the queues hold it now; if none took it, its events go here
  }
  batch.connections.clear();
  batch.events.clear();
}

}  // namespace natter::ws
