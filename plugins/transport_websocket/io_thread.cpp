#include "io_thread.hpp"

#include <boost/asio/post.hpp>

#include "ws_connection.hpp"

namespace natter::ws {

namespace asio = boost::asio;

IoThread::IoThread(std::size_t index) : index_(index), keep_running_(asio::make_work_guard(context_)) {}

IoThread::~IoThread() {
  keep_running_.reset();
  context_.stop();
  if (thread_.joinable()) thread_.join();
  for (const Delivery& d : inbox_) d.event->release();
  for (const auto* event : held_) event->release();
}

void IoThread::start() {
  thread_ = std::thread([this] { context_.run(); });
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
