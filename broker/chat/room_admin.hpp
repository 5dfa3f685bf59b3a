#pragma once
// Managing rooms: create_room, invite, kick, delete_room, and the two
// questions list_rooms and members. Who may do what is chat/access.hpp's
// table; every change is made in the catalog and persisted through the
// StateStore. Room names reach it validated. Loop thread only.

#include "chat/access.hpp"
#include "chat/membership.hpp"
#include "chat/outbox.hpp"
#include "chat/passwords.hpp"
#include "chat/presence.hpp"
#include "chat/room_catalog.hpp"
#include "chat/room_directory.hpp"
#include "chat/session.hpp"
#include "chat/session_table.hpp"
#include "chat/state_store.hpp"
#include "chat/typing.hpp"
#include "config/settings.hpp"

namespace natter::chat {

class RoomAdmin {
 public:
  // Borrows everything; all of it outlives the service.
  RoomAdmin(const config::BrokerSettings& settings, MembershipParts parts, Membership& membership,
            const Presence& presence, UnreadCounter& unread);

  void create(Session& session, const OwnedCommand& command);
  void invite(Session& session, const OwnedCommand& command);
  void kick(Session& session, const OwnedCommand& command);
  void remove(Session& session, const OwnedCommand& command);  // delete_room
  // The room is gone: its sessions here hear room_deleted (`asker` with
  // `ref`) and leave it. True if `asker` was among them.
  bool deleted_here(const std::string& room, std::string_view by, Session* asker = nullptr,
                    std::string_view ref = {});
  void list(Session& session, const OwnedCommand& command);    // list_rooms
  void members(Session& session, const OwnedCommand& command);

 private:
  // The room's record if it exists and the session's user may do `action`
  // there; otherwise nullptr after telling the client why.
  const RoomRecord* allowed(Session& session, const OwnedCommand& command, RoomAction action);
  void create_now(Session& session, const OwnedCommand& command, RoomRecord record);

  const config::BrokerSettings& settings_;
  MembershipParts parts_;
  Membership& membership_;
  const Presence& presence_;
  UnreadCounter& unread_;
};

}  // namespace natter::chat
