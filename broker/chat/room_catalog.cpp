#include "chat/room_catalog.hpp"

#include <algorithm>
#include <charconv>

namespace natter::chat {

namespace {

// Keys of a room's state entries. The record's fields live in one entry so
// a room appears or disappears in one write.
constexpr std::string_view kRecordKey = "room";
constexpr std::string_view kMemberPrefix = "member:";
constexpr std::string_view kInvitePrefix = "invite:";
constexpr std::string_view kReadPrefix = "read:";

std::optional<RoomKind> kind_from(std::string_view name) {
  if (name == "public") return RoomKind::public_room;
  if (name == "protected") return RoomKind::protected_room;
  if (name == "private") return RoomKind::private_room;
  if (name == "direct") return RoomKind::direct;
  return std::nullopt;
}

// One `name=value` line per field. Values never hold a newline: user names
// and password hashes do not.
std::string encode_record(const RoomRecord& r) {
  std::string text = "kind=" + std::string(kind_name(r.kind)) + "\nowner=" + r.owner;
  if (!r.password_hash.empty()) text += "\nhash=" + r.password_hash;
  if (r.members_invite) text += "\nmembers_invite=1";
  return text;
}

void decode_record(std::string_view text, RoomRecord& r) {
  while (!text.empty()) {
    const std::size_t end = std::min(text.find('\n'), text.size());
    const std::string_view line = text.substr(0, end);
    text.remove_prefix(std::min(end + 1, text.size()));
    const std::size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string_view name = line.substr(0, eq), value = line.substr(eq + 1);
    if (name == "kind") r.kind = kind_from(value).value_or(RoomKind::private_room);
    else if (name == "owner") r.owner = value;
    else if (name == "hash") r.password_hash = value;
    else if (name == "members_invite") r.members_invite = value == "1";
  }
}

StateChanges one(natter::StateOp op, std::string_view room, std::string key, std::string value = {}) {
  StateChanges out;
  out.changes.push_back({op, std::string(room), std::move(key), std::move(value)});
  return out;
}

}  // namespace

std::string_view kind_name(RoomKind kind) {
  switch (kind) {
    case RoomKind::public_room: return "public";
    case RoomKind::protected_room: return "protected";
    case RoomKind::private_room: return "private";
    case RoomKind::direct: return "direct";
  }
  return "private";
}

std::optional<RoomKind> creatable_kind(std::string_view name) {
  auto kind = kind_from(name);
  if (kind == RoomKind::direct) return std::nullopt;
  return kind;
}

std::vector<natter::StateChange> StateChanges::views() const {
  std::vector<natter::StateChange> out;
  out.reserve(changes.size());
  for (const auto& c : changes) out.push_back({c.op, c.room, c.key, c.value});
  return out;
}

const RoomRecord* RoomCatalog::find(std::string_view room) const {
  auto it = rooms_.find(room);
  return it == rooms_.end() || !it->second.has_record ? nullptr : &it->second.record;
}

void RoomCatalog::load(const natter::StateEntry& entry) {
  Loaded& room = rooms_.try_emplace(std::string(entry.room)).first->second;
  if (entry.key == kRecordKey) {
    decode_record(entry.value, room.record);
    room.has_record = true;
  } else if (entry.key.starts_with(kMemberPrefix)) {
    room.record.members.emplace(entry.key.substr(kMemberPrefix.size()));
  } else if (entry.key.starts_with(kReadPrefix)) {
    std::uint64_t id = 0;
    std::from_chars(entry.value.data(), entry.value.data() + entry.value.size(), id);
    room.record.read_up_to.insert_or_assign(std::string(entry.key.substr(kReadPrefix.size())), id);
  } else if (entry.key.starts_with(kInvitePrefix)) {
    room.record.invited.insert_or_assign(std::string(entry.key.substr(kInvitePrefix.size())),
                                         std::string(entry.value));
  }
}

std::size_t RoomCatalog::drop_incomplete() {
  const std::size_t dropped = std::erase_if(rooms_, [](const auto& room) { return !room.second.has_record; });
  for (const auto& [name, room] : rooms_) {
    for (const auto& user : room.record.members) index(user, name);
  }
  return dropped;
}

void RoomCatalog::apply(const natter::StateChange& change) {
  if (change.op == natter::StateOp::erase_room) {
    erase(change.room);
    return;
  }
  auto slot = rooms_.try_emplace(std::string(change.room)).first;
  Loaded& room = slot->second;
  RoomRecord& record = room.record;
  if (change.op == natter::StateOp::put) {
    const bool had_record = room.has_record;
    load({change.room, change.key, change.value});
    if (change.key == kRecordKey && !had_record) {
      for (const auto& user : record.members) index(user, slot->first);
    } else if (change.key.starts_with(kMemberPrefix) && room.has_record) {
      index(std::string(change.key.substr(kMemberPrefix.size())), slot->first);
    }
    return;
  }
  if (change.key.starts_with(kMemberPrefix)) {
    const std::string_view user = change.key.substr(kMemberPrefix.size());
    if (auto it = record.members.find(user); it != record.members.end()) {
      record.members.erase(it);
      unindex(user, slot->first);
    }
  } else if (change.key.starts_with(kInvitePrefix)) {
    if (auto it = record.invited.find(change.key.substr(kInvitePrefix.size())); it != record.invited.end()) {
      record.invited.erase(it);
    }
  } else if (change.key.starts_with(kReadPrefix)) {
    if (auto it = record.read_up_to.find(change.key.substr(kReadPrefix.size())); it != record.read_up_to.end()) {
      record.read_up_to.erase(it);
    }
  }
  if (!room.has_record && record.members.empty()) rooms_.erase(slot);
}

void RoomCatalog::index(const std::string& user, const std::string& room) { rooms_by_user_[user].insert(&room); }

void RoomCatalog::unindex(std::string_view user, const std::string& room) {
  if (auto it = rooms_by_user_.find(user); it != rooms_by_user_.end()) {
    it->second.erase(&room);
    if (it->second.empty()) rooms_by_user_.erase(it);
  }
}

StateChanges RoomCatalog::create(std::string_view room, const RoomRecord& record) {
  auto slot = rooms_.try_emplace(std::string(room)).first;
  slot->second = {record, true};
  StateChanges out = one(natter::StateOp::put, room, std::string(kRecordKey), encode_record(record));
  for (const auto& user : record.members) {
    out.changes.push_back({natter::StateOp::put, std::string(room), std::string(kMemberPrefix) + user, {}});
    index(user, slot->first);
  }
  return out;
}

StateChanges RoomCatalog::add_member(std::string_view room, std::string_view user) {
  auto slot = rooms_.find(room);
  RoomRecord& record = slot->second.record;
  if (record.members.emplace(user).second) index(std::string(user), slot->first);
  StateChanges out = one(natter::StateOp::put, room, std::string(kMemberPrefix).append(user));
  if (auto it = record.invited.find(user); it != record.invited.end()) {
    record.invited.erase(it);
    out.changes.push_back({natter::StateOp::erase, std::string(room), std::string(kInvitePrefix).append(user), {}});
  }
  return out;
}

StateChanges RoomCatalog::remove_member(std::string_view room, std::string_view user) {
  auto slot = rooms_.find(room);
  RoomRecord& record = slot->second.record;
  if (auto it = record.members.find(user); it != record.members.end()) {
    record.members.erase(it);
    unindex(user, slot->first);
  }
  StateChanges out = one(natter::StateOp::erase, room, std::string(kMemberPrefix).append(user));
  if (auto it = record.read_up_to.find(user); it != record.read_up_to.end()) {
    record.read_up_to.erase(it);
    out.changes.push_back({natter::StateOp::erase, std::string(room), std::string(kReadPrefix).append(user), {}});
  }
  if (auto it = record.invited.find(user); it != record.invited.end()) {
    record.invited.erase(it);
    out.changes.push_back({natter::StateOp::erase, std::string(room), std::string(kInvitePrefix).append(user), {}});
  }
  return out;
}

StateChanges RoomCatalog::mark_read(std::string_view room, std::string_view user, std::uint64_t id) {
  rooms_.find(room)->second.record.read_up_to.insert_or_assign(std::string(user), id);
  return one(natter::StateOp::put, room, std::string(kReadPrefix).append(user), std::to_string(id));
}

StateChanges RoomCatalog::invite(std::string_view room, std::string_view user, std::string_view by) {
  rooms_.find(room)->second.record.invited.insert_or_assign(std::string(user), std::string(by));
  return one(natter::StateOp::put, room, std::string(kInvitePrefix).append(user), std::string(by));
}

StateChanges RoomCatalog::erase(std::string_view room) {
  if (auto it = rooms_.find(room); it != rooms_.end()) {
    for (const auto& user : it->second.record.members) unindex(user, it->first);
    rooms_.erase(it);
  }
  return one(natter::StateOp::erase_room, room, {});
}

std::vector<std::string> RoomCatalog::direct_rooms_of(std::string_view user) const {
  std::vector<std::string> direct;
  for (const std::string* room : rooms_of(user)) {
    if (find(*room)->kind == RoomKind::direct) direct.push_back(*room);
  }
  std::sort(direct.begin(), direct.end());
  return direct;
}

std::vector<const std::string*> RoomCatalog::rooms_of(std::string_view user) const {
  auto it = rooms_by_user_.find(user);
  if (it == rooms_by_user_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<std::pair<const std::string*, const RoomRecord*>> RoomCatalog::all() const {
  std::vector<std::pair<const std::string*, const RoomRecord*>> rooms;
  rooms.reserve(rooms_.size());
  for (const auto& [name, loaded] : rooms_) {
    if (loaded.has_record) rooms.emplace_back(&name, &loaded.record);
  }
  return rooms;
}

std::vector<std::pair<std::string, const RoomRecord*>> RoomCatalog::visible_to(std::string_view user,
                                                                               std::string_view after,
                                                                               std::size_t limit,
                                                                               bool& more) const {
  std::vector<std::pair<std::string, const RoomRecord*>> page;
  more = false;
  for (auto it = after.empty() ? rooms_.begin() : rooms_.upper_bound(after); it != rooms_.end(); ++it) {
    const RoomRecord& r = it->second.record;
    const bool listed = r.kind == RoomKind::public_room || r.kind == RoomKind::protected_room ||
                        r.is_member(user) || r.is_invited(user);
    if (!it->second.has_record || !listed) continue;
    if (page.size() == limit) {
      more = true;
      break;
    }
    page.emplace_back(it->first, &r);
  }
  return page;
}

}  // namespace natter::chat
