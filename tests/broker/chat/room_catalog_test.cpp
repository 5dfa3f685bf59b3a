// The catalog's changes, replayed through storage's entries, rebuild the
// same rooms: what a restart sees is what was there.
#include "chat/room_catalog.hpp"

#include <map>

#include <gtest/gtest.h>

namespace natter::chat {
namespace {

// Storage as a map: applies changes the way RoomState promises.
class FakeRoomStateRows {
 public:
  void apply(const StateChanges& changes) {
    for (const auto& c : changes.changes) {
      switch (c.op) {
        case natter::StateOp::put: rows_[{c.room, c.key}] = c.value; break;
        case natter::StateOp::erase: rows_.erase({c.room, c.key}); break;
        case natter::StateOp::erase_room:
          std::erase_if(rows_, [&](const auto& row) { return row.first.first == c.room; });
          break;
      }
    }
  }
  RoomCatalog reload() const {
    RoomCatalog catalog;
    // Backwards, so a room's members may come before its record.
    for (auto it = rows_.rbegin(); it != rows_.rend(); ++it) {
      catalog.load({it->first.first, it->first.second, it->second});
    }
    catalog.drop_incomplete();
    return catalog;
  }
  std::size_t size() const { return rows_.size(); }

 private:
  std::map<std::pair<std::string, std::string>, std::string> rows_;
};

TEST(RoomCatalog, ARestartRebuildsKindOwnerPasswordMembersAndInvitations) {
  RoomCatalog catalog;
  FakeRoomStateRows stored;
  RoomRecord record;
  record.kind = RoomKind::protected_room;
  record.owner = "ann";
  record.password_hash = "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA";
  record.members_invite = true;
  record.members = {"ann"};
  stored.apply(catalog.create("vault", record));
  stored.apply(catalog.invite("vault", "bob", "ann"));
  stored.apply(catalog.invite("vault", "cat", "ann"));
  stored.apply(catalog.add_member("vault", "bob"));  // consumes bob's invitation

  const RoomCatalog again = stored.reload();
  const RoomRecord* vault = again.find("vault");
  ASSERT_NE(vault, nullptr);
  EXPECT_EQ(vault->kind, RoomKind::protected_room);
  EXPECT_EQ(vault->owner, "ann");
  EXPECT_EQ(vault->password_hash, record.password_hash);
  EXPECT_TRUE(vault->members_invite);
  EXPECT_EQ(vault->members, (std::set<std::string, std::less<>>{"ann", "bob"}));
  EXPECT_EQ(vault->invited.size(), 1u);
  EXPECT_EQ(vault->invited.at("cat"), "ann");
}

TEST(RoomCatalog, ARemovedMemberAndADeletedRoomStayGone) {
  RoomCatalog catalog;
  FakeRoomStateRows stored;
  RoomRecord record;
  record.members = {"ann", "bob"};
  stored.apply(catalog.create("plaza", record));
  stored.apply(catalog.create("attic", record));
  stored.apply(catalog.remove_member("plaza", "bob"));
  stored.apply(catalog.erase("attic"));

  const RoomCatalog again = stored.reload();
  EXPECT_EQ(again.find("attic"), nullptr);
  EXPECT_EQ(again.find("plaza")->members, (std::set<std::string, std::less<>>{"ann"}));
  EXPECT_EQ(again.size(), 1u);
}

TEST(RoomCatalog, DirectRoomsAreFoundByEitherUserAfterARestart) {
  RoomCatalog catalog;
  FakeRoomStateRows stored;
  RoomRecord direct;
  direct.kind = RoomKind::direct;
  direct.members = {"ann", "bob"};
  stored.apply(catalog.create("dm:ann:bob", direct));
  EXPECT_EQ(catalog.direct_rooms_of("bob"), std::vector<std::string>{"dm:ann:bob"});
  const RoomCatalog again = stored.reload();
  EXPECT_EQ(again.direct_rooms_of("ann"), std::vector<std::string>{"dm:ann:bob"});
  EXPECT_TRUE(again.direct_rooms_of("cat").empty());
}

TEST(RoomCatalog, EntriesOfARoomWithoutItsRecordAreDropped) {
  RoomCatalog catalog;
  catalog.load({"half", "member:ann", ""});
  EXPECT_EQ(catalog.drop_incomplete(), 1u);
  EXPECT_EQ(catalog.find("half"), nullptr);
}

TEST(RoomCatalog, ListingShowsPublicAndProtectedRoomsAndOnlyYourPrivateOnes) {
  RoomCatalog catalog;
  auto make = [&](const char* name, RoomKind kind, std::set<std::string, std::less<>> members) {
    RoomRecord r;
    r.kind = kind;
    r.members = std::move(members);
    catalog.create(name, r);
  };
  make("a", RoomKind::public_room, {"ann"});
  make("b", RoomKind::protected_room, {"ann"});
  make("c", RoomKind::private_room, {"ann"});
  make("d", RoomKind::private_room, {"bob"});
  make("dm:ann:bob", RoomKind::direct, {"ann", "bob"});
  catalog.invite("d", "cat", "bob");
  bool more = false;
  auto names = [](const auto& page) {
    std::vector<std::string> out;
    for (const auto& [name, record] : page) out.push_back(name);
    return out;
  };
  EXPECT_EQ(names(catalog.visible_to("cat", "", 10, more)), (std::vector<std::string>{"a", "b", "d"}));
  EXPECT_EQ(names(catalog.visible_to("ann", "", 10, more)), (std::vector<std::string>{"a", "b", "c", "dm:ann:bob"}));
  EXPECT_EQ(names(catalog.visible_to("ann", "a", 2, more)), (std::vector<std::string>{"b", "c"}));
  EXPECT_TRUE(more);
}

}  // namespace
}  // namespace natter::chat
