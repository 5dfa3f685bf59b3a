// FanoutBatch: how one event reaches a room's members. Transports with a
// Fanout get one call per event for all their links and one flush per run
// of the loop; transports without (ABI 1.0) get one deliver() per link; a
// member replaying the room gets the event after its replay.

#include "chat/fanout_batch.hpp"

#include <functional>
#include <memory>
#include <vector>

#include <gtest/gtest.h>

#include "chat/broker.hpp"
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

// The broker's other plugins, never reached by these tests.
class NoStorage final : public natter::Storage {
 public:
  bool start(natter::Diagnostic&) noexcept override { return true; }
  void stop() noexcept override {}
  void append(const natter::MessageView&, natter::AppendDone&) noexcept override {}
  void history(const natter::HistoryQuery&, natter::HistoryDone&) noexcept override {}
};
class NoBus final : public natter::PubSub {
 public:
  bool start(natter::BusListener&, natter::Diagnostic&) noexcept override { return true; }
  void stop() noexcept override {}
  void subscribe(std::string_view) noexcept override {}
  void unsubscribe(std::string_view) noexcept override {}
  void publish(std::string_view, std::span<const std::byte>) noexcept override {}
};
class NoAuth final : public natter::Authenticator {
 public:
  bool start(natter::Diagnostic&) noexcept override { return true; }
  void stop() noexcept override {}
  void authenticate(const natter::ConnectInfo&, natter::AuthDone&) noexcept override {}
};

class FanoutBatchTest : public ::testing::Test {
 protected:
  FanoutBatchTest() : broker_(config::BrokerSettings{}, BrokerParts{storage_, bus_, auth_, {}, {}, "s", "a", {}, {}}, loop_, metrics_) {}

  Session& member(RecordingLink& link, natter::Fanout* fanout) {
    sessions_.push_back(std::make_unique<Session>(broker_, loop_, sessions_.size() + 1, link, fanout, false, "test"));
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
  NoStorage storage_;
  NoBus bus_;
  NoAuth auth_;
  runtime::Executor loop_;
  Broker broker_;
  std::vector<std::unique_ptr<Session>> sessions_;
};

TEST_F(FanoutBatchTest, OneCallPerTransportAndOneFlushAfterTheLoopsQueuedTasks) {
  RecordingFanout ws, other;
  RecordingLink a, b, c;
  std::vector<Session*> room{&member(a, &ws), &member(b, &other), &member(c, &ws)};
  on_loop([&] {
    broker_.fanout().deliver(room, message(), "lobby");
    broker_.fanout().deliver(room, message(), "lobby");
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

TEST_F(FanoutBatchTest, ATransportWithoutFanoutGetsOneDeliverPerLink) {
  RecordingLink a, b;
  std::vector<Session*> room{&member(a, nullptr), &member(b, nullptr)};
  EventRef event = message();
  on_loop([&] { broker_.fanout().deliver(room, event, "lobby"); });
  ASSERT_EQ(a.delivered.size(), 1u);
  ASSERT_EQ(b.delivered.size(), 1u);
  EXPECT_EQ(a.delivered[0], b.delivered[0]);  // one shared event, encoded once
}

TEST_F(FanoutBatchTest, AMemberReplayingTheRoomGetsLiveEventsAfterItsReplay) {
  RecordingFanout ws;
  RecordingLink replaying, live;
  Session& late = member(replaying, &ws);
  late.replaying["lobby"];
  std::vector<Session*> room{&late, &member(live, &ws)};
  on_loop([&] { broker_.fanout().deliver(room, message(), "lobby"); });
  ASSERT_EQ(ws.calls.size(), 1u);
  EXPECT_EQ(ws.calls[0].links, (std::vector<natter::ClientLink*>{&live}));
  EXPECT_EQ(late.replaying["lobby"].size(), 1u);  // held for after the replay
}

TEST_F(FanoutBatchTest, AnAckToOneLinkIsCorkedWithTheFanout) {
  RecordingFanout ws;
  RecordingLink publisher;
  Session& sender = member(publisher, &ws);
  on_loop([&] {
    sender.send(EventBuffer::make(natter::EventKind::ack));
    EXPECT_EQ(ws.flushes, 0);
  });
  loop_.barrier();
  ASSERT_EQ(ws.calls.size(), 1u);
  EXPECT_EQ(ws.calls[0].links, (std::vector<natter::ClientLink*>{&publisher}));
  EXPECT_EQ(ws.flushes, 1);
}

}  // namespace
}  // namespace natter::chat
