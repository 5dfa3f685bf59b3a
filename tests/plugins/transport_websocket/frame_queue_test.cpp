// FrameQueue: what a connection has yet to write. Frames go out whole and
// in order across partial writes, nothing follows a close frame, and every
// event retained for the queue is released exactly once.

#include "frame_queue.hpp"

#include <string>
#include <string_view>

#include <gtest/gtest.h>

namespace natter::ws {
namespace {

class CountedEvent final : public natter::SharedEvent {
 public:
  explicit CountedEvent(std::string_view frame) : frame_(frame) {}
  const natter::Event& event() const noexcept override { return event_; }
  std::span<const std::byte> encoded(const natter::EventEncoder&) const noexcept override { return frame(); }
  void retain() const noexcept override { ++retains; }
  void release() const noexcept override { ++releases; }
  std::span<const std::byte> frame() const { return std::as_bytes(std::span(frame_.data(), frame_.size())); }

  mutable int retains = 0, releases = 0;

 private:
  std::string frame_;
  natter::Event event_;
};

// What gather() would hand to sendmsg, as one string.
std::string gathered(const FrameQueue& queue, std::size_t max = 16) {
  iovec parts[16];
  std::size_t bytes = 0;
  const std::size_t count = queue.gather(parts, max, bytes);
  std::string out;
  for (std::size_t i = 0; i < count; ++i) out.append(static_cast<const char*>(parts[i].iov_base), parts[i].iov_len);
  EXPECT_EQ(out.size(), bytes);
  return out;
}

TEST(FrameQueue, APartialWriteResumesMidFrame) {
  CountedEvent a("aaaa"), b("bbbb");
  FrameQueue queue;
  queue.push_event(a, a.frame());
  queue.push_own("pong", false);
  queue.push_event(b, b.frame());
  EXPECT_EQ(gathered(queue), "aaaapongbbbb");
  EXPECT_FALSE(queue.retire(6));
  EXPECT_EQ(gathered(queue), "ngbbbb");
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_FALSE(queue.retire(6));
  EXPECT_TRUE(queue.empty());
}

TEST(FrameQueue, NothingIsGatheredPastACloseFrame) {
  FrameQueue queue;
  queue.push_own("data", false);
  queue.push_own("close", true);
  queue.push_own("late", false);
  EXPECT_EQ(gathered(queue), "dataclose");
  EXPECT_TRUE(queue.retire(9));  // the close frame is out
}

TEST(FrameQueue, GatherStopsAtTheLimit) {
  FrameQueue queue;
  for (int i = 0; i < 5; ++i) queue.push_own(std::to_string(i), false);
  EXPECT_EQ(gathered(queue, 3), "012");
}

TEST(FrameQueue, DroppingKeepsTheFrameAlreadyOnTheWire) {
  CountedEvent a("aaaa"), b("bbbb");
  FrameQueue queue;
  queue.push_event(a, a.frame());
  queue.push_event(b, b.frame());
  queue.keep_unretained();
  ASSERT_FALSE(queue.retire(2));
  queue.drop_unstarted();
  EXPECT_EQ(gathered(queue), "aa");
  EXPECT_EQ(b.releases, 1);  // dropped
  EXPECT_FALSE(queue.retire(2));
  EXPECT_EQ(a.releases, 1);  // written
}

TEST(FrameQueue, EachEventIsRetainedOnceAndReleasedOnce) {
  CountedEvent a("a"), b("b"), c("c");
  {
    FrameQueue queue;
    queue.push_event(a, a.frame());
    queue.push_event(b, b.frame());
    queue.keep_unretained();
    queue.push_event(c, c.frame());
    queue.keep_unretained();  // only c is new
    EXPECT_EQ(a.retains + b.retains + c.retains, 3);
    EXPECT_FALSE(queue.retire(1));  // a written
    EXPECT_EQ(a.releases, 1);
  }  // b and c still queued: released by the queue
  EXPECT_EQ(b.releases, 1);
  EXPECT_EQ(c.releases, 1);
  EXPECT_EQ(a.retains, 1);
}

TEST(FrameQueue, AnUnretainedEventIsNotReleased) {
  // Written within the drain that queued it: the drain's hold covered it.
  CountedEvent a("a");
  FrameQueue queue;
  queue.push_event(a, a.frame());
  EXPECT_FALSE(queue.retire(1));
  EXPECT_EQ(a.retains, 0);
  EXPECT_EQ(a.releases, 0);
}

}  // namespace
}  // namespace natter::ws
