// FrameQueue and FrameRun: what a connection has yet to write. Frames go
// out whole and in order across partial writes, also within a run shared
// by many connections; nothing follows a close frame; and every event of a
// run is released exactly once, when the last queue naming it lets go.

#include "frame_queue.hpp"

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

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

std::span<const std::byte> frame_of(const natter::SharedEvent& event) {
  return static_cast<const CountedEvent&>(event).frame();
}

// A run of `events`, retained once each as the I/O thread's inbox does.
FrameRun& run_of(std::initializer_list<CountedEvent*> events) {
  std::vector<const natter::SharedEvent*> held;
  for (CountedEvent* event : events) {
    event->retain();
    held.push_back(event);
  }
  return *FrameRun::make(held, &frame_of);
}

// Queues `run` as the drain does: holding it while queueing.
void push(FrameQueue& queue, FrameRun& run) {
  run.add_user();
  queue.push_run(run);
  run.drop_user();
}

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
  push(queue, run_of({&a}));
  queue.push_own("pong", false);
  push(queue, run_of({&b}));
  EXPECT_EQ(gathered(queue), "aaaapongbbbb");
  EXPECT_FALSE(queue.retire(6));
  EXPECT_EQ(gathered(queue), "ngbbbb");
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_FALSE(queue.retire(6));
  EXPECT_TRUE(queue.empty());
}

TEST(FrameQueue, APartialWriteResumesMidFrameWithinARun) {
  CountedEvent a("aa"), b("bb"), c("cc");
  FrameQueue queue;
  push(queue, run_of({&a, &b, &c}));
  EXPECT_EQ(queue.size(), 3u);
  EXPECT_FALSE(queue.retire(3));
  EXPECT_EQ(gathered(queue), "bcc");
  EXPECT_EQ(queue.size(), 2u);
  EXPECT_FALSE(queue.retire(1));
  EXPECT_EQ(gathered(queue), "cc");
  EXPECT_FALSE(queue.retire(2));
  EXPECT_TRUE(queue.empty());
}

TEST(FrameQueue, AnEmptiedQueueGivesItsMemoryBackWhenAsked) {
  FrameQueue queue;
  for (int i = 0; i < 100; ++i) queue.push_own("ping", false);
  EXPECT_FALSE(queue.retire(4 * 100));
  ASSERT_TRUE(queue.empty());
  EXPECT_GE(queue.capacity(), 100u) << "kept between writes while busy";
  queue.shrink_if_empty();
  EXPECT_EQ(queue.capacity(), 0u) << "an idle connection holds no queue";
  queue.push_own("ping", false);
  queue.shrink_if_empty();
  EXPECT_GT(queue.capacity(), 0u) << "a queue with frames keeps them";
}

TEST(FrameQueue, NothingIsGatheredPastACloseFrame) {
  FrameQueue queue;
  queue.push_own("data", false);
  queue.push_own("close", true);
  queue.push_own("late", false);
  EXPECT_EQ(gathered(queue), "dataclose");
  EXPECT_TRUE(queue.retire(9));  // the close frame is out
}

TEST(FrameQueue, GatherStopsAtTheLimitEvenWithinARun) {
  CountedEvent a("0"), b("1"), c("2"), d("3");
  FrameQueue queue;
  queue.push_own("x", false);
  push(queue, run_of({&a, &b, &c, &d}));
  EXPECT_EQ(gathered(queue, 3), "x01");
  EXPECT_FALSE(queue.retire(3));
  EXPECT_EQ(gathered(queue, 3), "23");
}

TEST(FrameQueue, DroppingKeepsOnlyTheFrameAlreadyOnTheWire) {
  CountedEvent a("aaaa"), b("bbbb"), c("cccc");
  FrameQueue queue;
  push(queue, run_of({&a, &b}));
  push(queue, run_of({&c}));
  ASSERT_FALSE(queue.retire(2));
  queue.drop_unstarted();
  EXPECT_EQ(gathered(queue), "aa");
  EXPECT_EQ(queue.size(), 1u);
  EXPECT_EQ(c.releases, 1);  // its run was dropped whole
  EXPECT_FALSE(queue.retire(2));
  EXPECT_TRUE(queue.empty());
  EXPECT_EQ(a.releases, 1);  // written, and b dropped, with their run
  EXPECT_EQ(b.releases, 1);
}

TEST(FrameQueue, ARunSharedByManyQueuesIsReleasedWhenTheLastLetsGo) {
  CountedEvent a("a"), b("b");
  FrameRun& run = run_of({&a, &b});
  run.add_user();
  {
    FrameQueue written, still_queued;
    written.push_run(run);
    still_queued.push_run(run);
    run.drop_user();
    EXPECT_FALSE(written.retire(2));
    EXPECT_EQ(a.releases + b.releases, 0);  // still_queued still needs them
  }
  EXPECT_EQ(a.retains, 1);
  EXPECT_EQ(a.releases, 1);
  EXPECT_EQ(b.releases, 1);
}

TEST(FrameQueue, ARunNobodyQueuedLetsGoOfItsEvents) {
  // Every recipient had closed: the drain's own hold was the last.
  CountedEvent a("a");
  FrameRun& run = run_of({&a});
  run.add_user();
  run.drop_user();
  EXPECT_EQ(a.releases, 1);
}

}  // namespace
}  // namespace natter::ws
