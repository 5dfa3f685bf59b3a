#pragma once
// What the operator sees and does through the admin API (natterctl), on
// the broker's side: snapshots of sessions and rooms, closing every
// session of a user, and system messages. A system message is an ordinary
// message of the room with an empty sender (no user can have that name):
// stored, delivered here and published to the other nodes, like any other.
// Loop thread only; the admin thread reaches it through Broker::operate.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "chat/cluster_bus.hpp"
#include "chat/presence.hpp"
#include "chat/room_catalog.hpp"
#include "chat/room_delivery.hpp"
#include "chat/room_directory.hpp"
#include "chat/session_table.hpp"
#include "chat/snowflake.hpp"

namespace natter::chat {

struct DeskSummary {
  std::size_t sessions = 0, users = 0, rooms = 0, rooms_here = 0, cluster_nodes = 0;
};

struct DeskRoom {
  std::string name, kind, owner;
  std::size_t members = 0, sessions_here = 0;
};

struct DeskMember {
  std::string user, role;  // role: "owner" or "member"
  bool online = false;
  std::int64_t last_seen_ms = 0;  // 0: online, or not seen since natterd started
  std::size_t sessions_here = 0;
};

struct DeskSession {
  std::uint64_t id = 0;
  std::string user, remote_address;
  std::vector<std::string> rooms;
};

struct OperatorDeskParts {
  SessionTable& sessions;
  RoomCatalog& catalog;
  RoomDirectory& rooms;
  Presence& presence;
  SnowflakeGenerator& ids;
  natter::Storage& storage;
  ClusterBus& bus;
  RoomDelivery& delivery;
  runtime::Executor& loop;
};

class OperatorDesk {
 public:
  // Borrows everything; all of it outlives the desk.
  explicit OperatorDesk(OperatorDeskParts parts) : parts_(parts) {}

  DeskSummary summary() const;
  std::vector<DeskRoom> rooms() const;
  // nullopt: no such room. `room` gets the room's own fields.
  std::optional<std::vector<DeskMember>> room(std::string_view name, DeskRoom& room) const;
  std::vector<DeskSession> sessions() const;
  // Closes every session of `user` on this node (1008, "disconnected by
  // the operator"); returns how many.
  std::size_t kick(std::string_view user);
  // Stores `text` in `room` as a system message, then tells `done` (on
  // the loop) the outcome and the message's id.
  using Sent = std::function<void(natter::ErrorCode, std::string detail, std::uint64_t id)>;
  void broadcast(const std::string& room, const std::string& text, Sent done);

 private:
  OperatorDeskParts parts_;
};

}  // namespace natter::chat
