#include "frame_queue.hpp"

#include <cstring>
#include <limits>
#include <stdexcept>

namespace natter::ws {

void FrameQueue::Item::release() const {
  if (!event) {
    delete[] data;
  } else if (retained) {
    event->release();
  }
}

FrameQueue::~FrameQueue() {
  for (std::size_t i = front_; i < items_.size(); ++i) items_[i].release();
}

void FrameQueue::push_event(const natter::SharedEvent& event, std::span<const std::byte> frame) {
  // Sizes are 32 bits to keep items small; a bigger frame (a history page
  // of huge messages) is refused rather than cut.
  if (frame.size() > std::numeric_limits<std::uint32_t>::max()) throw std::length_error("frame over 4 GiB");
  items_.push_back({&event, frame.data(), static_cast<std::uint32_t>(frame.size()), false, false});
}

bool FrameQueue::push_own(std::string_view bytes, bool is_close) {
  try {
    auto* copy = new std::byte[bytes.size()];
    std::memcpy(copy, bytes.data(), bytes.size());
    const Item item{nullptr, copy, static_cast<std::uint32_t>(bytes.size()), is_close, false};
    try {
      items_.push_back(item);
    } catch (...) {
      item.release();
      throw;
    }
    return true;
  } catch (...) {
    return false;
  }
}

void FrameQueue::keep_unretained() {
  // Unretained events are the newest: walk back to the first retained one.
  for (std::size_t i = items_.size(); i > front_; --i) {
    Item& item = items_[i - 1];
    if (!item.event) continue;
    if (item.retained) break;
    item.event->retain();
    item.retained = true;
  }
}

std::size_t FrameQueue::gather(iovec* parts, std::size_t max, std::size_t& bytes) const {
  std::size_t count = 0;
  bytes = 0;
  for (std::size_t i = front_; i < items_.size() && count < max; ++i) {
    const Item& item = items_[i];
    const std::size_t skip = i == front_ ? head_written_ : 0;
    parts[count++] = {const_cast<std::byte*>(item.data + skip), item.size - skip};
    bytes += item.size - skip;
    if (item.is_close) break;
  }
  return count;
}

bool FrameQueue::retire(std::size_t bytes) {
  while (bytes > 0) {
    Item& item = items_[front_];
    const std::size_t left = item.size - head_written_;
    if (bytes < left) {
      head_written_ += bytes;
      return false;
    }
    bytes -= left;
    head_written_ = 0;
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
  const std::size_t keep = front_ + (head_written_ > 0 ? 1 : 0);
  while (items_.size() > keep) {
    items_.back().release();
    items_.pop_back();
  }
}

void FrameQueue::shrink_if_empty() {
  if (!empty() || items_.capacity() == 0) return;
  items_ = {};
  front_ = 0;
}

}  // namespace natter::ws
