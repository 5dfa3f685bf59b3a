#pragma once
// Every room that exists, as users see it across restarts: its kind, its
// owner, its password hash, who belongs to it and who is invited. This is
// the broker's copy of the room state storage keeps (natter::RoomState):
// loaded once at start, then each change is made here and handed back as
// the StateChanges that persist it. Which sessions are in a room on this
// node is RoomDirectory's business, not this. Loop thread only.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <natter/storage.hpp>

namespace natter::chat {

enum class RoomKind { public_room, protected_room, private_room, direct };

std::string_view kind_name(RoomKind kind);  // "public", "protected", "private", "direct"
// The kind a client names in create_room; nullopt for anything else
// ("direct" included: those rooms come from sending to a user).
std::optional<RoomKind> creatable_kind(std::string_view name);

struct RoomRecord {
  RoomKind kind = RoomKind::public_room;
  std::string owner;          // empty: nobody (an implicit room)
  std::string password_hash;  // protected rooms: crypto_pwhash_str's output
  bool members_invite = false;
  std::set<std::string, std::less<>> members;
  std::map<std::string, std::string, std::less<>> invited;  // user -> who invited them
  std::map<std::string, std::uint64_t, std::less<>> read_up_to;  // user -> newest message id read

  bool is_member(std::string_view user) const { return members.find(user) != members.end(); }
  bool is_invited(std::string_view user) const { return invited.find(user) != invited.end(); }
};

// Owned copies of StateChanges, to hand to RoomState::write() as a span.
struct StateChanges {
  struct Change {
    natter::StateOp op;
    std::string room, key, value;
  };
  std::vector<Change> changes;
  std::vector<natter::StateChange> views() const;
  bool empty() const noexcept { return changes.empty(); }
};

class RoomCatalog {
 public:
  const RoomRecord* find(std::string_view room) const;
  std::size_t size() const noexcept { return rooms_.size(); }

  // Rebuilds one entry read back from storage. Entries of one room may come
  // in any order. Unknown keys are ignored, so older brokers keep working
  // on state a newer one wrote.
  void load(const natter::StateEntry& entry);
  // Drops rooms whose "room" entry never came (left over from a half-done
  // erase); returns how many.
  std::size_t drop_incomplete();
  // A change another node made and stored (it came over the bus): applied
  // here as if loaded. Unknown keys are ignored, as in load().
  void apply(const natter::StateChange& change);

  // Changes. Each applies at once and returns what persists it.
  StateChanges create(std::string_view room, const RoomRecord& record);
  StateChanges add_member(std::string_view room, std::string_view user);  // also consumes an invitation
  StateChanges remove_member(std::string_view room, std::string_view user);
  StateChanges invite(std::string_view room, std::string_view user, std::string_view by);
  StateChanges erase(std::string_view room);
  StateChanges mark_read(std::string_view room, std::string_view user, std::uint64_t id);

  // The direct rooms `user` belongs to.
  std::vector<std::string> direct_rooms_of(std::string_view user) const;
  // Every room `user` belongs to, as names owned by the catalog (valid
  // until that room is erased).
  std::vector<const std::string*> rooms_of(std::string_view user) const;
  // Every room, by name (names valid until that room is erased).
  std::vector<std::pair<const std::string*, const RoomRecord*>> all() const;
  // Rooms `user` may see in list_rooms, by name after `after`, at most
  // `limit` of them; `more` says whether others follow.
  std::vector<std::pair<std::string, const RoomRecord*>> visible_to(std::string_view user, std::string_view after,
                                                                     std::size_t limit, bool& more) const;

 private:
  struct Loaded {
    RoomRecord record;
    bool has_record = false;
  };
  void index(const std::string& user, const std::string& room);
  void unindex(std::string_view user, const std::string& room);

  std::map<std::string, Loaded, std::less<>> rooms_;
  // user -> the rooms they belong to (keys of rooms_, which std::map keeps
  // in place), for sign-in and presence.
  std::map<std::string, std::set<const std::string*>, std::less<>> rooms_by_user_;
};

}  // namespace natter::chat
