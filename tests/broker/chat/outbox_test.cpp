// Outbox: how one event reaches a room's members. Transports with a
// Fanout get one call per event for all their links and one flush per run
// of the loop; transports without (ABI 1.0) get one deliver() per link; a
// member replaying the room gets the event after its replay.

#include "chat/outbox.hpp"

#include <functional>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "chat/broker_metrics.hpp"
#include "chat/session.hpp"
#include "runtime/executor.hpp"
#include "runtime/metrics.hpp"

namespace natter::chat {
namespace {

class RecordingLink final : public natter::ClientLink {
 public:
  void deliver(const natter::SharedEvent& event) noexcept override { delivered.push_back(&event); }
  void close(natter::CloseCode, std::string_view) noexcept override {}
  void detached() noexcept override {}
  std::vector<const natter::SharedEvent*> delivered;
};

class RecordingFanout final : public natter::Fanout {
 public:
  void deliver(std::span<natter::ClientLink* const> links, const natter::SharedEvent& event) noexcept override {
    calls.push_back({{links.begin(), links.end()}, &event});
  }
  void flush() noexcept override { ++flushes; }
  struct Call {
    std::vector<natter::ClientLink*> links;
    const natter::SharedEvent* event;
  };
  std::vector<Call> calls;
  int flushes = 0;
};

// The broker's dispatcher, never reached by these tests.
class NoCommands final : public CommandSink {
 public:
  void handle(Session&, OwnedCommand) override {}
  void resume(Session&) override {}
  void end_session(Session&) override {}
};

class OutboxTest : public ::testing::Test {
 protected:
  OutboxTest() : broker_metrics_(metrics_, "s", "a"), outbox_(loop_, broker_metrics_) {}

  Session& member(RecordingLink& link, natter::Fanout* fanout) {
    sessions_.push_back(std::make_unique<Session>(commands_, loop_, sessions_.size() + 1, link,
                                                    TransportTraits{fanout, false, natter::kAbiMinor}, "test"));
    return *sessions_.back();
  }
  // Runs `body` on the broker loop, as the broker does, and waits for it.
  void on_loop(std::function<void()> body) {
    loop_.post(std::move(body));
    loop_.barrier();
  }
  EventRef message() {
    auto event = EventBuffer::make(natter::EventKind::message);
    event->set_room("lobby");
    return event;
  }

  runtime::MetricsRegistry metrics_;
  BrokerMetrics broker_metrics_;
  NoCommands commands_;
  runtime::Executor loop_;
  Outbox outbox_;
  std::vector<std::unique_ptr<Session>> sessions_;
};

TEST_F(OutboxTest, OneCallPerTransportAndOneFlushAfterTheLoopsQueuedTasks) {
  RecordingFanout ws, other;
  RecordingLink a, b, c;
  std::vector<Session*> room{&member(a, &ws), &member(b, &other), &member(c, &ws)};
  on_loop([&] {
    outbox_.deliver(room, message(), "lobby");
    outbox_.deliver(room, message(), "lobby");
    EXPECT_EQ(ws.flushes, 0);  // held back until the loop has run what is queued
  });
  loop_.barrier();
  ASSERT_EQ(ws.calls.size(), 2u);
  EXPECT_EQ(ws.calls[0].links, (std::vector<natter::ClientLink*>{&a, &c}));
  ASSERT_EQ(other.calls.size(), 2u);
  EXPECT_EQ(other.calls[0].links, (std::vector<natter::ClientLink*>{&b}));
  EXPECT_EQ(ws.flushes, 1);
  EXPECT_EQ(other.flushes, 1);
  EXPECT_TRUE(a.delivered.empty());
}

TEST_F(OutboxTest, ATransportWithoutFanoutGetsOneDeliverPerLink) {
  RecordingLink a, b;
  std::vector<Session*> room{&member(a, nullptr), &member(b, nullptr)};
  EventRef event = message();
  on_loop([&] { outbox_.deliver(room, event, "lobby"); });
  ASSERT_EQ(a.delivered.size(), 1u);
  ASSERT_EQ(b.delivered.size(), 1u);
  EXPECT_EQ(a.delivered[0], b.delivered[0]);  // one shared event, encoded once
}

TEST_F(OutboxTest, AMemberReplayingTheRoomGetsLiveEventsAfterItsReplay) {
  RecordingFanout ws;
  RecordingLink replaying, live;
  Session& late = member(replaying, &ws);
  late.replaying["lobby"];
  std::vector<Session*> room{&late, &member(live, &ws)};
  on_loop([&] { outbox_.deliver(room, message(), "lobby"); });
  ASSERT_EQ(ws.calls.size(), 1u);
  EXPECT_EQ(ws.calls[0].links, (std::vector<natter::ClientLink*>{&live}));
  EXPECT_EQ(late.replaying["lobby"].size(), 1u);  // held for after the replay
}

TEST_F(OutboxTest, AnAckToOneLinkIsCorkedWithTheFanout) {
  RecordingFanout ws;
  RecordingLink publisher;
  Session& sender = member(publisher, &ws);
  on_loop([&] {
    outbox_.send(sender, EventBuffer::make(natter::EventKind::ack));
    EXPECT_EQ(ws.flushes, 0);
  });
  loop_.barrier();
  ASSERT_EQ(ws.calls.size(), 1u);
  EXPECT_EQ(ws.calls[0].links, (std::vector<natter::ClientLink*>{&publisher}));
  EXPECT_EQ(ws.flushes, 1);
}

}  // namespace
}  // namespace natter::chat
