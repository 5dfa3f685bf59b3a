#include "chat/bus_recovery.hpp"

#include <algorithm>

#include "chat/loop_completions.hpp"
#include "runtime/logging.hpp"

namespace natter::chat {

namespace {

using namespace std::chrono_literals;

// How far back an outage is recovered, and how long after the first pass
// the second one runs.
constexpr auto kWindow = 10min;
constexpr auto kSecondPass = 1500ms;
// Longer than any pub/sub plugin takes to subscribe, and than storage takes
// to commit what was published meanwhile.
constexpr auto kCatchUp = 1000ms;
constexpr std::uint32_t kPage = 500;

std::int64_t unix_ms_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

BusRecovery::BusRecovery(natter::Storage& storage, RoomDirectory& rooms, RoomDelivery& delivery,
                         runtime::Executor& loop, runtime::Timers& timers, runtime::MetricsRegistry& metrics)
    : storage_(storage),
      rooms_(rooms),
      delivery_(delivery),
      loop_(loop),
      timers_(timers),
      recovered_(metrics.counter("natter_bus_recovered_total",
                                 "Messages of other nodes read back from storage after a pub/sub gap")) {}

void BusRecovery::recover() {
  // One outage seen by every node (a Redis restart) asks each node to
  // recover once for itself and once per other node: the passes already
  // under way cover them.
  const auto now = runtime::Timers::Clock::now();
  if (now - last_recovery_ < kSecondPass + kSecondPass) return;
  last_recovery_ = now;
  const std::int64_t since_ms = unix_ms_now() - std::chrono::milliseconds(kWindow).count();
  const std::vector<std::string> rooms = rooms_.names();
  runtime::log().info("reading back what {} rooms missed during the pub/sub gap", rooms.size());
  for (const auto& room : rooms) read(room, since_ms);
  timers_.at(runtime::Timers::Clock::now() + kSecondPass, [this, since_ms] {
    for (const auto& room : rooms_.names()) read(room, since_ms);
  });
}

void BusRecovery::catch_up(RoomsOfTopic rooms_then) {
  const std::int64_t since_ms = unix_ms_now() - 50;  // clocks of nodes differ a little
  timers_.at(runtime::Timers::Clock::now() + kCatchUp, [this, rooms_then = std::move(rooms_then), since_ms] {
    for (const auto& room : rooms_then()) {
      if (rooms_.find(room)) read(room, since_ms);
    }
  });
}

void BusRecovery::read(const std::string& room, std::int64_t since_ms) {
  auto* page = new PageRead(loop_, [this, room, since_ms](natter::ErrorCode code, std::string detail,
                                                          std::vector<StoredMessage> messages) {
    if (code != natter::ErrorCode::none) {
      runtime::log().warn("could not read back room '{}' after the pub/sub gap: {}", room, detail);
      return;
    }
    for (const StoredMessage& m : messages) {  // oldest first
      const Room* present = rooms_.find(room);
      if (!present) return;  // its last session here left meanwhile
      const bool full = present->recent.size() >= rooms_.recent_limit();
      if (m.ts_ms < since_ms || present->holds(m.id) || (full && m.id < present->recent.front().id)) continue;
      recovered_.add(1);
      delivery_.deliver(m);
    }
  });
  storage_.history({room, 0, 0, kPage}, *page);
}

}  // namespace natter::chat
