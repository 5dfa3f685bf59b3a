#include "chat/bus_codec.hpp"

#include <gtest/gtest.h>

namespace natter::chat {

namespace {

Envelope head(std::uint32_t node, std::uint64_t sequence) {
  Envelope e;
  e.origin_node = node;
  e.sequence = sequence;
  for (std::size_t i = 0; i < e.trace.size(); ++i) e.trace[i] = static_cast<std::uint8_t>(0xa0 + i);
  return e;
}

Envelope decoded(const std::vector<std::byte>& bytes) {
  DecodeError error = DecodeError::malformed;
  auto e = decode_envelope(bytes, error);
  EXPECT_TRUE(e) << "refused";
  EXPECT_EQ(error, DecodeError::none);
  return e.value_or(Envelope{});
}

}  // namespace

TEST(BusCodec, AMessageSurvivesTheRoundTripWithOriginSequenceAndTrace) {
  natter::MessageView m{42, 1795781234567, "lobby", "ann", "héllo \xF0\x9F\x91\x8B"};
  const Envelope e = decoded(encode_envelope(head(3, 77), m));
  EXPECT_EQ(e.kind, BusKind::message);
  EXPECT_EQ(e.origin_node, 3u);
  EXPECT_EQ(e.sequence, 77u);
  EXPECT_EQ(trace_text(e.trace), "a0a1a2a3a4a5a6a7a8a9aaabacadaeaf");
  EXPECT_EQ(e.message.id, 42u);
  EXPECT_EQ(e.message.ts_ms, 1795781234567);
  EXPECT_EQ(e.message.room, "lobby");
  EXPECT_EQ(e.message.sender, "ann");
  EXPECT_EQ(e.message.body, m.body);
}

TEST(BusCodec, AMessagesAttachmentsTravelInVersionThreeOnly) {
  const natter::MessageView m{42, 1000, "lobby", "ann", "look"};
  const AttachmentList files = {{"natter/ab/cd/cat.png", "cat.png", "image/png", 48213},
                                {"natter/ab/ef/notes.txt", "notes \"final\".txt", "text/plain", 12}};
  const auto with = encode_envelope(head(3, 1), m, files);
  EXPECT_EQ(with[0], std::byte{3});
  EXPECT_EQ(decoded(with).message.attachments, files);
  // Without files, what a node that reads version 2 only still takes.
  const auto without = encode_envelope(head(3, 2), m);
  EXPECT_EQ(without[0], std::byte{2});
  EXPECT_TRUE(decoded(without).message.attachments.empty());
}

TEST(BusCodec, EveryKindSurvivesTheRoundTrip) {
  BusEvent edit{natter::EventKind::deleted, "lobby", "", "ann", {}};
  edit.message = {9, 10, "lobby", "bob", "", {11, 12, true}};
  Envelope e = decoded(encode_envelope(head(1, 2), edit));
  EXPECT_EQ(e.kind, BusKind::event);
  EXPECT_EQ(e.event.kind, natter::EventKind::deleted);
  EXPECT_EQ(e.event.by, "ann");
  EXPECT_EQ(e.event.message.sender, "bob");
  EXPECT_EQ(e.event.message.mark.revision, 11u);
  EXPECT_TRUE(e.event.message.mark.deleted);

  e = decoded(encode_envelope(head(1, 3), BusTyping{"lobby", "ann", true}));
  EXPECT_EQ(e.kind, BusKind::typing);
  EXPECT_EQ(e.typing.user, "ann");
  EXPECT_TRUE(e.typing.stopped);

  const natter::StateChange changes[] = {{natter::StateOp::put, "dm:a:b", "member:a", ""},
                                         {natter::StateOp::erase_room, "old", "", ""}};
  e = decoded(encode_envelope(head(1, 4), changes));
  EXPECT_EQ(e.kind, BusKind::state);
  ASSERT_EQ(e.changes.size(), 2u);
  EXPECT_EQ(e.changes[0].key, "member:a");
  EXPECT_EQ(e.changes[1].op, natter::StateOp::erase_room);

  e = decoded(encode_envelope(head(1, 5), BusPresence{BusPresence::What::offline, {"ann", "bob"}, 1234}));
  EXPECT_EQ(e.kind, BusKind::presence);
  EXPECT_EQ(e.presence.what, BusPresence::What::offline);
  EXPECT_EQ(e.presence.users, (std::vector<std::string>{"ann", "bob"}));
  EXPECT_EQ(e.presence.last_seen_ms, 1234);

  e = decoded(encode_envelope(head(1, 6), BusPresence{BusPresence::What::snapshot_after_gap, {"cy"}, 0}));
  EXPECT_EQ(e.presence.what, BusPresence::What::snapshot_after_gap);
}

TEST(BusCodec, TruncatedNewerOrForeignPayloadsAreRefusedWithTheReason) {
  auto bytes = encode_envelope(head(1, 1), natter::MessageView{1, 2, "r", "s", "b"});
  DecodeError error = DecodeError::none;
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    EXPECT_FALSE(decode_envelope(std::span(bytes).first(cut), error)) << "cut at " << cut;
    EXPECT_EQ(error, DecodeError::malformed);
  }
  bytes.push_back(std::byte{0});
  EXPECT_FALSE(decode_envelope(bytes, error)) << "trailing bytes";
  bytes.pop_back();
  bytes[0] = std::byte{4};  // a newer format
  EXPECT_FALSE(decode_envelope(bytes, error));
  EXPECT_EQ(error, DecodeError::newer_version);
  bytes[0] = std::byte{2};
  bytes[1] = std::byte{99};  // a kind nobody knows
  EXPECT_FALSE(decode_envelope(bytes, error));
  EXPECT_EQ(error, DecodeError::malformed);
}

TEST(BusCodec, AVersionOneMessageFromAnOlderNodeIsStillRead) {
  // What a node before envelopes published: version, kind, origin, message.
  std::vector<std::byte> v1 = {std::byte{1}, std::byte{1}, std::byte{5}, std::byte{0}, std::byte{0}, std::byte{0}};
  auto put = [&](std::uint64_t v, int n) {
    for (int i = 0; i < n; ++i) v1.push_back(static_cast<std::byte>(v >> (8 * i)));
  };
  auto text = [&](std::string_view t) {
    put(t.size(), 4);
    for (char c : t) v1.push_back(static_cast<std::byte>(c));
  };
  put(42, 8);
  put(1000, 8);
  text("lobby");
  text("ann");
  text("hi");
  const Envelope e = decoded(v1);
  EXPECT_EQ(e.origin_node, 5u);
  EXPECT_EQ(e.sequence, 0u);
  EXPECT_EQ(e.message.body, "hi");
}

TEST(BusCodec, ADirectRoomsTrafficGoesToItsUsersTopics) {
  EXPECT_EQ(room_topic("lobby"), "natter/room/lobby");
  EXPECT_EQ(user_topic("ann"), "natter/user/ann");
}

}  // namespace natter::chat
