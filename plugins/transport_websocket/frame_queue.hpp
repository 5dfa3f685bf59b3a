#pragma once
// The frames one WebSocket connection has yet to write, in order: runs of
// shared broker events (FrameRun: a room's fan-out, one entry for many
// frames) and bytes of the connection's own (a pong, a ping, a close, an
// error). A vector with a moving front: a busy connection keeps its
// capacity between writes, an idle one gives it back (shrink_if_empty());
// a deque would always hold memory. Owned by its connection; its I/O
// thread only.

#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "frame_run.hpp"

namespace natter::ws {

class FrameQueue {
 public:
  FrameQueue() = default;
  ~FrameQueue();  // lets go of everything still queued
  FrameQueue(const FrameQueue&) = delete;
  FrameQueue& operator=(const FrameQueue&) = delete;

  // Frames not yet fully written.
  std::size_t size() const noexcept { return frames_; }
  bool empty() const noexcept { return frames_ == 0; }
  // Entries it has memory for, used or not.
  std::size_t capacity() const noexcept { return items_.capacity(); }

  // Queues every frame of `run`, which it uses until they are written or
  // dropped. Throws std::bad_alloc.
  void push_run(FrameRun& run);
  // Queues a copy of `bytes`; false if memory ran out.
  bool push_own(std::string_view bytes, bool is_close);

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
  // Frames [first, last) of a run, or bytes of our own.
  struct Item {
    FrameRun* run = nullptr;           // null for bytes of our own
    const std::byte* own = nullptr;    // ours: new[]-allocated, `own_size` bytes
    std::uint32_t first = 0, last = 0;  // a run's frames not yet fully written
    std::uint32_t own_size = 0;
    bool is_close = false;

    std::uint32_t frames() const noexcept { return run ? last - first : 1; }
    void release() const noexcept;  // exactly once per item, when written or dropped
  };

  std::vector<Item> items_;
  std::size_t front_ = 0;
  std::size_t frames_ = 0;
  std::size_t head_written_ = 0;  // of the front item's first frame, already on the wire
};

}  // namespace natter::ws
