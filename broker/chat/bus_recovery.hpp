#pragma once
// After the pub/sub plugin reported a gap, what other nodes published
// meanwhile is read back from storage: for each room with sessions here,
// the newest page of its history, of which every message this node has not
// seen and that is no older than the window (or than the oldest message
// the room still holds) is delivered as if it had just arrived. Clients
// connected throughout so miss nothing that was stored, though it reaches
// them after newer messages did; its ids place it. A second pass a moment
// later finds messages whose storage commit was under way at the first.
// Loop thread only; storage answers on the loop.

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <natter/storage.hpp>

#include "chat/room_delivery.hpp"
#include "chat/room_directory.hpp"
#include "runtime/executor.hpp"
#include "runtime/metrics.hpp"
#include "runtime/timers.hpp"

namespace natter::chat {

class BusRecovery {
 public:
  // Borrows everything; all of it outlives the service, `timers` stops before the loop.
  BusRecovery(natter::Storage& storage, RoomDirectory& rooms, RoomDelivery& delivery, runtime::Executor& loop,
              runtime::Timers& timers, runtime::MetricsRegistry& metrics);

  // The plugin is back after a gap, or another node was cut off: reads
  // back, unless a recovery began within the last 3 s.
  void recover();
  // A topic was just subscribed: a moment later, what was stored since now
  // in the rooms `rooms_then` names at that moment and not seen here is
  // delivered (it may have been published before the subscription took
  // effect). Asked late because a user's direct room may be made meanwhile.
  using RoomsOfTopic = std::function<std::vector<std::string>()>;
  void catch_up(RoomsOfTopic rooms_then);

 private:
  void read(const std::string& room, std::int64_t since_ms);

  natter::Storage& storage_;
  RoomDirectory& rooms_;
  RoomDelivery& delivery_;
  runtime::Executor& loop_;
  runtime::Timers& timers_;
  runtime::CounterMetric& recovered_;
  runtime::Timers::Clock::time_point last_recovery_{};
};

}  // namespace natter::chat
