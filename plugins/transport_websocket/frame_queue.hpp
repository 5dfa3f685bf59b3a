#pragma once
// The frames one WebSocket connection has yet to write, in order: shared
// broker events (their encoding lives as long as the event) and bytes of
// the connection's own (a pong, a ping, a close, an error). A vector with
// a moving front: a busy connection keeps its capacity between writes, an
// idle one gives it back (shrink_if_empty()); a deque would always hold
// memory. Entries are 24 bytes, as a busy connection queues hundreds.
// Owned by its connection; its I/O thread only.

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include <natter/transport.hpp>

namespace natter::ws {

class FrameQueue {
 public:
  FrameQueue() = default;
  ~FrameQueue();  // lets go of everything still queued
  FrameQueue(const FrameQueue&) = delete;
  FrameQueue& operator=(const FrameQueue&) = delete;

  // Frames not yet fully written.
  std::size_t size() const noexcept { return items_.size() - front_; }
  bool empty() const noexcept { return size() == 0; }

  // Queues `event`'s `frame` without retaining the event: the caller holds
  // it until keep_unretained() runs. Throws std::bad_alloc, or
  // std::length_error for a frame over 4 GiB.
  void push_event(const natter::SharedEvent& event, std::span<const std::byte> frame);
  // Queues a copy of `bytes`; false if memory ran out.
  bool push_own(std::string_view bytes, bool is_close);
  // Retains the queued events that are not retained yet (the newest), so
  // they outlive the caller's hold.
  void keep_unretained();

  // Points `parts` at the unwritten bytes, at most `max` frames and none
  // past a close frame; returns how many parts and their total size.
  std::size_t gather(iovec* parts, std::size_t max, std::size_t& bytes) const;
  // Forgets the first `bytes` written; true if they ended with the close frame.
  bool retire(std::size_t bytes);
  // Drops every frame not yet started (one partly on the wire must be
  // finished, or the stream breaks).
  void drop_unstarted();
  // Gives the memory back when nothing is queued.
  void shrink_if_empty();

 private:
  struct Item {
    const natter::SharedEvent* event = nullptr;  // null for bytes of our own
    const std::byte* data = nullptr;
    std::uint32_t size = 0;
    bool is_close = false;
    bool retained = false;

    void release() const;  // exactly once per item, when written or dropped
  };

  std::vector<Item> items_;
  std::size_t front_ = 0;
  std::size_t head_written_ = 0;  // of the front item, already on the wire
};

}  // namespace natter::ws
