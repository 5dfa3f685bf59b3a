#include "frame_queue.hpp"

#include <algorithm>
#include <cstring>
#include <limits>

namespace natter::ws {

void FrameQueue::Item::release() const noexcept {
  if (run) {
    run->drop_user();
  } else {
    delete[] own;
  }
}

FrameQueue::~FrameQueue() {
  for (std::size_t i = front_; i < items_.size(); ++i) items_[i].release();
}

void FrameQueue::push_run(FrameRun& run) {
  if (run.frames() == 0) return;
  items_.push_back({&run, nullptr, 0, run.frames(), 0, false});
  run.add_user();
  frames_ += run.frames();
}

bool FrameQueue::push_own(std::string_view bytes, bool is_close) {
  // Sizes are 32 bits to keep items small; our own frames are control
  // frames and errors, far below that.
  if (bytes.size() > std::numeric_limits<std::uint32_t>::max()) return false;
  try {
    auto* copy = new std::byte[bytes.size()];
    std::memcpy(copy, bytes.data(), bytes.size());
    const Item item{nullptr, copy, 0, 0, static_cast<std::uint32_t>(bytes.size()), is_close};
    try {
      items_.push_back(item);
    } catch (...) {
      item.release();
      throw;
    }
    ++frames_;
    return true;
  } catch (...) {
    return false;
  }
}

std::size_t FrameQueue::gather(iovec* parts, std::size_t max, std::size_t& bytes) const {
  std::size_t count = 0;
  bytes = 0;
  for (std::size_t i = front_; i < items_.size() && count < max; ++i) {
    const Item& item = items_[i];
    std::size_t taken = 1;
    if (item.run) {
      taken = std::min<std::size_t>(item.last - item.first, max - count);
      std::memcpy(parts + count, item.run->parts() + item.first, taken * sizeof(iovec));
      bytes += item.run->bytes(item.first, static_cast<std::uint32_t>(item.first + taken));
    } else {
      parts[count] = {const_cast<std::byte*>(item.own), item.own_size};
      bytes += item.own_size;
    }
    if (i == front_) {
      parts[count].iov_base = static_cast<std::byte*>(parts[count].iov_base) + head_written_;
      parts[count].iov_len -= head_written_;
      bytes -= head_written_;
    }
    count += taken;
    if (item.is_close) break;
  }
  return count;
}

bool FrameQueue::retire(std::size_t bytes) {
  while (bytes > 0) {
    Item& item = items_[front_];
    const std::size_t left =
        (item.run ? item.run->bytes(item.first, item.last) : item.own_size) - head_written_;
    if (bytes < left) {
      // Partly written: move on by whole frames, then into the one cut short.
      if (item.run) {
        while (bytes >= item.run->parts()[item.first].iov_len - head_written_) {
          bytes -= item.run->parts()[item.first].iov_len - head_written_;
          head_written_ = 0;
          ++item.first;
          --frames_;
        }
      }
      head_written_ += bytes;
      return false;
    }
    bytes -= left;
    head_written_ = 0;
    frames_ -= item.frames();
    item.release();  // the slot is dead from here on; clear() or drop_unstarted() never look at it
    ++front_;
    if (item.is_close) return true;
  }
  if (front_ == items_.size()) {
    items_.clear();  // keeps its capacity for the next batch
    front_ = 0;
  }
  return false;
}

void FrameQueue::drop_unstarted() {
  const bool started = head_written_ > 0;
  const std::size_t keep = front_ + (started ? 1 : 0);
  while (items_.size() > keep) {
    frames_ -= items_.back().frames();
    items_.back().release();
    items_.pop_back();
  }
  if (started && items_[front_].run) {
    // Only the frame on the wire stays of a run.
    Item& item = items_[front_];
    frames_ -= item.last - item.first - 1;
    item.last = item.first + 1;
  }
}

void FrameQueue::shrink_if_empty() {
  if (!empty() || items_.capacity() == 0) return;
  // Not `items_ = {}`: that assigns an empty initializer list and keeps the capacity.
  items_ = std::vector<Item>();
  front_ = 0;
}

}  // namespace natter::ws
