#pragma once
// The frames of consecutive events bound for the same connections of one
// I/O thread (a room's fan-out), encoded once and shared by each of those
// connections' queues. A connection queues a whole run as one entry and
// writes it with one copy of its frame list, so a fan-out costs work per
// connection, not per (connection, event). Holds one retain of each event
// until the last queue entry naming it lets go. Its I/O thread only: the
// count of users is not atomic.

#include <sys/uio.h>

#include <cstdint>
#include <span>
#include <vector>

#include <natter/transport.hpp>

namespace natter::ws {

class FrameRun {
 public:
  using FrameOf = std::span<const std::byte> (*)(const natter::SharedEvent&);

  // A run of `events`, each a frame as `frame_of` encodes it, taking over
  // one retain of each (released when the last user lets go). An event
  // without a frame (its encoder ran out of memory) is skipped, as a
  // lagging client would miss it. Starts with no user. On std::bad_alloc
  // the caller still holds its retains.
  static FrameRun* make(std::span<const natter::SharedEvent* const> events, FrameOf frame_of);
  FrameRun(const FrameRun&) = delete;
  FrameRun& operator=(const FrameRun&) = delete;

  void add_user() noexcept { ++users_; }
  // Deletes the run after its last user.
  void drop_user() noexcept;

  std::uint32_t frames() const noexcept { return static_cast<std::uint32_t>(parts_.size()); }
  const iovec* parts() const noexcept { return parts_.data(); }
  // Bytes of frames [first, last).
  std::size_t bytes(std::uint32_t first, std::uint32_t last) const noexcept { return ends_[last] - ends_[first]; }

 private:
  FrameRun() = default;
  ~FrameRun();

  std::vector<iovec> parts_;                        // one per frame, as sendmsg() takes them
  std::vector<std::size_t> ends_;                   // ends_[i]: bytes of frames [0, i); one longer
  std::vector<const natter::SharedEvent*> events_;  // one retain each
  std::uint32_t users_ = 0;
};

}  // namespace natter::ws
