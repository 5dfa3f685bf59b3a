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

void IoThread::deliver(std::span<WsConnection* const> connections, const natter::SharedEvent& event) noexcept {
  if (connections.empty()) return;
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    try {
      held_.push_back(&event);
      event.retain();
      wake = inbox_.empty();
      for (WsConnection* connection : connections) inbox_.push_back({connection, &event});
    } catch (...) {
      // Out of memory: these recipients miss the event, as a client that
      // lagged would; recovery with `since` closes the gap.
    }
  }
  // One wakeup per batch, however many events and connections it holds.
  if (wake) {
    try {
      asio::post(context_, [this] { drain(); });
    } catch (...) {
    }
  }
}

void IoThread::drain() {
  {
    std::lock_guard lock(mutex_);
    taken_.swap(inbox_);
    taken_held_.swap(held_);
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
