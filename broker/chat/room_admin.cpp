#include "chat/room_admin.hpp"

#include <algorithm>

#include "chat/command_write.hpp"
#include "chat/direct_name.hpp"

namespace natter::chat {

namespace {
constexpr std::uint32_t kDefaultRoomPage = 50;
constexpr std::uint32_t kLargestRoomPage = 500;
}  // namespace

RoomAdmin::RoomAdmin(const config::BrokerSettings& settings, MembershipParts parts, Membership& membership,
                     const Presence& presence, UnreadCounter& unread)
    : settings_(settings), parts_(parts), membership_(membership), presence_(presence), unread_(unread) {}

const RoomRecord* RoomAdmin::allowed(Session& session, const OwnedCommand& command, RoomAction action) {
  const RoomRecord* record = parts_.catalog.find(command.room);
  if (!record) {
    parts_.outbox.send_error(session, command.ref, natter::ErrorCode::no_such_room,
                             "there is no room '" + command.room + "'");
    return nullptr;
  }
  const natter::ErrorCode refusal = access(action, role_of(*record, session.user), *record);
  if (refusal == natter::ErrorCode::none) return record;
  parts_.outbox.send_error(session, command.ref, refusal, refusal_text(refusal, action));
  return nullptr;
}

void RoomAdmin::create(Session& session, const OwnedCommand& command) {
  Outbox& outbox = parts_.outbox;
  const auto kind = creatable_kind(command.kind.empty() ? "public" : command.kind);
  if (!kind) {
    outbox.send_error(session, command.ref, natter::ErrorCode::bad_request,
                      "field 'kind' must be \"public\", \"protected\" or \"private\"");
    return;
  }
  if (is_direct_name(command.room)) {
    outbox.send_error(session, command.ref, natter::ErrorCode::bad_request,
                      "room names starting with 'dm:' are kept for direct messages");
    return;
  }
  if (parts_.catalog.find(command.room)) {
    outbox.send_error(session, command.ref, natter::ErrorCode::room_exists,
                      "room '" + command.room + "' exists already");
    return;
  }
  if (session.user.find('\n') != std::string::npos) {
    outbox.send_error(session, command.ref, natter::ErrorCode::bad_request, "user names cannot hold a newline");
    return;
  }
  RoomRecord record;
  record.kind = *kind;
  record.owner = session.user;
  record.members_invite = command.members_invite;
  record.members.insert(session.user);
  if (*kind != RoomKind::protected_room) return create_now(session, command, std::move(record));
  if (command.password.empty()) {
    outbox.send_error(session, command.ref, natter::ErrorCode::bad_request, "a protected room needs a 'password'");
    return;
  }
  session.hold();
  parts_.passwords.hash(command.password, [this, id = session.id(), command, record](std::string hash) mutable {
    Session* session = parts_.sessions.find(id);
    ResumeAtEnd resume(session);
    if (!session) return;
    if (hash.empty()) {
      parts_.outbox.send_error(*session, command.ref, natter::ErrorCode::internal, "could not hash the password");
      return;
    }
    record.password_hash = std::move(hash);
    create_now(*session, command, std::move(record));
  });
}

void RoomAdmin::create_now(Session& session, const OwnedCommand& command, RoomRecord record) {
  // Checked again: the name may have been taken while the password hashed.
  if (parts_.catalog.find(command.room)) {
    parts_.outbox.send_error(session, command.ref, natter::ErrorCode::room_exists,
                             "room '" + command.room + "' exists already");
    return;
  }
  membership_.admit(session, command, parts_.catalog.create(command.room, record));
}

void RoomAdmin::invite(Session& session, const OwnedCommand& command) {
  const RoomRecord* record = allowed(session, command, RoomAction::invite);
  if (!record) return;
  if (command.user.empty()) {
    parts_.outbox.send_error(session, command.ref, natter::ErrorCode::bad_request, "missing field 'user'");
    return;
  }
  if (record->is_member(command.user)) {
    parts_.outbox.send_error(session, command.ref, natter::ErrorCode::bad_request,
                             "'" + command.user + "' is a member already");
    return;
  }
  const CommandWriteParts writing{parts_.state, parts_.sessions, parts_.outbox};
  const auto changes = parts_.catalog.invite(command.room, command.user, session.user);
  write_for_command(writing, session, command.ref, changes, "the invitation",
                    [this, command, by = session.user](Session* session) {
    auto told = EventBuffer::make(natter::EventKind::invited);
    told->set_room(command.room).set_user(command.user).set_by(by);
    for (Session* device : parts_.sessions.of_user(command.user)) parts_.outbox.send(*device, told);
    if (!session) return;
    auto answer = EventBuffer::make(natter::EventKind::invited);
    answer->set_ref(command.ref).set_room(command.room).set_user(command.user).set_by(by);
    parts_.outbox.send(*session, answer);
  });
}

void RoomAdmin::kick(Session& session, const OwnedCommand& command) {
  const RoomRecord* record = allowed(session, command, RoomAction::kick);
  if (!record) return;
  if (command.user.empty() || command.user == session.user) {
    parts_.outbox.send_error(session, command.ref, natter::ErrorCode::bad_request,
                             command.user.empty() ? "missing field 'user'" : "use leave to leave a room");
    return;
  }
  if (!record->is_member(command.user) && !record->is_invited(command.user)) {
    parts_.outbox.send_error(session, command.ref, natter::ErrorCode::not_member,
                             "'" + command.user + "' is not a member of room '" + command.room + "'");
    return;
  }
  parts_.state.write(parts_.catalog.remove_member(command.room, command.user), {});
  membership_.remove_user(command.room, command.user, session.user, &session, command.ref);
}

void RoomAdmin::remove(Session& session, const OwnedCommand& command) {
  if (!allowed(session, command, RoomAction::delete_room)) return;
  const bool answered = deleted_here(command.room, session.user, &session, command.ref);
  parts_.bus.event({natter::EventKind::room_deleted, command.room, {}, session.user, {}});
  parts_.state.write(parts_.catalog.erase(command.room), {});
  if (answered) return;
  auto answer = EventBuffer::make(natter::EventKind::room_deleted);
  answer->set_ref(command.ref).set_room(command.room).set_by(session.user);
  parts_.outbox.send(session, answer);
}

bool RoomAdmin::deleted_here(const std::string& room, std::string_view by, Session* asker, std::string_view ref) {
  bool answered = false;
  if (const Room* present = parts_.rooms.find(room)) {
    const std::vector<Session*> audience = present->members;
    for (Session* s : audience) {
      auto told = EventBuffer::make(natter::EventKind::room_deleted);
      told->set_room(room).set_by(by);
      if (s == asker) {
        told->set_ref(ref);
        answered = true;
      }
      parts_.typing.stop(s->user, room);
      membership_.detach(*s, room);
      parts_.outbox.send(*s, told);
    }
  }
  return answered;
}

void RoomAdmin::list(Session& session, const OwnedCommand& command) {
  const std::uint32_t limit = std::min(command.limit ? command.limit : kDefaultRoomPage, kLargestRoomPage);
  bool more = false;
  std::vector<RoomSummary> rooms;
  std::vector<UnreadCounter::Ask> asks;  // one per room the user belongs to
  for (const auto& [name, record] : parts_.catalog.visible_to(session.user, command.after_room, limit, more)) {
    const bool member = record->is_member(session.user);
    rooms.push_back({name, std::string(kind_name(record->kind)), static_cast<std::uint32_t>(record->members.size()),
                     member, record->is_invited(session.user)});
    if (!member) continue;
    const auto marker = record->read_up_to.find(session.user);
    asks.push_back({name, marker == record->read_up_to.end() ? 0 : marker->second, session.user});
  }
  // While storage counts, the session is held, so that the commands after
  // this one are answered after it.
  const bool waits = unread_.counts() && !asks.empty();
  if (waits) session.hold();
  unread_.count(asks, [this, id = session.id(), ref = command.ref, rooms = std::move(rooms), more,
                       waits](std::vector<std::int64_t> counts) mutable {
    Session* session = parts_.sessions.find(id);
    ResumeAtEnd resume(waits ? session : nullptr);
    if (!session) return;
    auto count = counts.begin();
    for (RoomSummary& room : rooms) {
      if (room.member) room.unread = *count++;
    }
    auto answer = EventBuffer::make(natter::EventKind::rooms);
    answer->set_ref(ref).set_rooms(std::move(rooms), more);
    parts_.outbox.send(*session, answer);
  });
}

void RoomAdmin::members(Session& session, const OwnedCommand& command) {
  const RoomRecord* record = allowed(session, command, RoomAction::members);
  if (!record) return;
  std::vector<MemberSummary> members;
  members.reserve(record->members.size());
  for (const auto& user : record->members) {
    members.push_back({user, user == record->owner ? "owner" : "member", presence_.online(user),
                       presence_.last_seen_ms(user)});
  }
  auto answer = EventBuffer::make(natter::EventKind::member_list);
  answer->set_ref(command.ref).set_room(command.room).set_member_list(std::move(members));
  parts_.outbox.send(session, answer);
}

}  // namespace natter::chat
