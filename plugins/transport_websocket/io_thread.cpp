#include "io_thread.hpp"

#include <boost/asio/post.hpp>

#include "ws_connection.hpp"

namespace natter::ws {

namespace asio = boost::asio;

IoThread::IoThread(std::size_t index) : index_(index), keep_running_(asio::make_work_guard(context_)) {}

IoThread::~IoThread() {
  stop();
  watched_.clear();
  for (const Delivery& d : inbox_) d.event->release();
  for (const auto* event : held_) event->release();
}

void IoThread::stop() noexcept {
  keep_running_.reset();
  context_.stop();
  if (thread_.joinable()) thread_.join();
}

void IoThread::start(std::chrono::milliseconds tick) {
  if (tick.count() > 0) sweep_after(tick);
  thread_ = std::thread([this] { context_.run(); });
}

void IoThread::sweep_after(std::chrono::milliseconds tick) {
  sweep_timer_.expires_after(tick);
  sweep_timer_.async_wait([this, tick](boost::system::error_code ec) {
    if (ec) return;
    const auto now = std::chrono::steady_clock::now();
    // heartbeat() may close a socket, never unwatch: that waits for the
    // read to end, so the list holds still while we walk it.
    for (const auto& connection : watched_) connection->heartbeat(now);
    sweep_after(tick);
  });
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
  watched_.pop_back();  // may free `connection` if nothing else holds it
}

void IoThread::deliver(std::span<WsConnection* const> connections, const natter::SharedEvent& event,
                       bool wake) noexcept {
  if (connections.empty()) return;
  bool post = false;
  {
    std::lock_guard lock(mutex_);
    try {
      held_.push_back(&event);
      event.retain();
      for (WsConnection* connection : connections) inbox_.push_back({connection, &event});
    } catch (...) {
      // Out of memory: these recipients miss the event, as a client that
      // lagged would; recovery with `since` closes the gap.
    }
    post = wake && should_post_drain();
  }
  if (post) post_drain();
}

void IoThread::wake() noexcept {
  bool post = false;
  {
    std::lock_guard lock(mutex_);
    post = should_post_drain();
  }
  if (post) post_drain();
}

bool IoThread::should_post_drain() {
  // One wakeup per batch, however many events and connections it holds.
  if (drain_posted_ || inbox_.empty()) return false;
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
  {
    std::lock_guard lock(mutex_);
    taken_.swap(inbox_);
    taken_held_.swap(held_);
    drain_posted_ = false;
  }
  for (const Delivery& d : taken_) {
    if (d.connection->enqueue(*d.event)) to_flush_.push_back(d.connection);
  }
  for (WsConnection* connection : to_flush_) connection->flush();
  for (const auto* event : taken_held_) event->release();
  taken_.clear();
  taken_held_.clear();
  to_flush_.clear();
}

}  // namespace natter::ws
