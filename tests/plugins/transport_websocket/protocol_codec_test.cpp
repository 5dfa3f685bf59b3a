#include "protocol_codec.hpp"

#include <gtest/gtest.h>

namespace natter::ws {

namespace {

class StringSink final : public natter::ByteSink {
 public:
  void append(std::span<const std::byte> b) noexcept override {
    text.append(reinterpret_cast<const char*>(b.data()), b.size());
  }
  std::string text;
};

std::string encoded(const natter::Event& e) {
  StringSink sink;
  JsonEncoder::instance().encode(e, sink);
  return sink.text;
}

}  // namespace

TEST(ProtocolCodec, ASendDecodesWithItsRefRoomAndBody) {
  DecodedCommand d;
  decode_command(R"({"op":"send","room":"lobby","body":"hi","ref":"c1","future_field":1})", d);
  ASSERT_EQ(d.error, "");
  EXPECT_EQ(d.command.op, natter::Op::send);
  EXPECT_EQ(d.command.room, "lobby");
  EXPECT_EQ(d.command.body, "hi");
  EXPECT_EQ(d.command.ref, "c1");
}

TEST(ProtocolCodec, IdsAreDecimalStringsUpTo64Bits) {
  DecodedCommand d;
  decode_command(R"({"op":"join","room":"r","since":"18446744073709551615"})", d);
  ASSERT_EQ(d.error, "");
  EXPECT_TRUE(d.command.has_since);
  EXPECT_EQ(d.command.since, 18446744073709551615ull);

  DecodedCommand overflow;
  decode_command(R"({"op":"join","room":"r","since":"18446744073709551616"})", overflow);
  EXPECT_NE(overflow.error, "");
}

TEST(ProtocolCodec, HistoryLimitMustBePositive) {
  DecodedCommand d;
  decode_command(R"({"op":"history","room":"r","limit":0})", d);
  EXPECT_EQ(d.error, "field 'limit' must be a positive integer");
}

TEST(ProtocolCodec, HistoryPagesForwardFromAnIdGivenAsAString) {
  DecodedCommand d;
  decode_command(R"({"op":"history","room":"r","after":"0","limit":2})", d);
  ASSERT_EQ(d.error, "");
  EXPECT_TRUE(d.command.has_after);
  EXPECT_EQ(d.command.after, 0u);
  EXPECT_EQ(d.command.limit, 2u);

  DecodedCommand numeric;
  decode_command(R"({"op":"history","room":"r","after":17})", numeric);
  EXPECT_NE(numeric.error, "");
}

TEST(ProtocolCodec, TypingIsActiveUnlessSaidOtherwise) {
  DecodedCommand typing;
  decode_command(R"({"op":"typing","room":"r"})", typing);
  ASSERT_EQ(typing.error, "");
  EXPECT_EQ(typing.command.op, natter::Op::typing);
  EXPECT_FALSE(typing.command.stopped);

  DecodedCommand stopped;
  decode_command(R"({"op":"typing","room":"r","active":false})", stopped);
  ASSERT_EQ(stopped.error, "");
  EXPECT_TRUE(stopped.command.stopped);

  DecodedCommand wrong;
  decode_command(R"({"op":"typing","room":"r","active":"no"})", wrong);
  EXPECT_EQ(wrong.error, "field 'active' must be true or false");
}

TEST(ProtocolCodec, AnOverlongRefIsRefusedAndNotEchoed) {
  DecodedCommand d;
  decode_command(R"({"op":"ping","ref":")" + std::string(129, 'r') + R"("})", d);
  EXPECT_EQ(d.error, "field 'ref' is longer than 128 bytes");
  EXPECT_EQ(d.ref, "");
}

TEST(ProtocolCodec, MessageIdsAreEncodedAsStrings) {
  natter::Event e;
  e.kind = natter::EventKind::message;
  e.room = "lobby";
  e.message = {9007199254740993ull, 1795781234567, "lobby", "ann", "hi \"there\""};
  EXPECT_EQ(encoded(e),
            R"({"type":"message","room":"lobby","id":"9007199254740993","ts":1795781234567,"from":"ann","body":"hi \"there\""})");
}

TEST(ProtocolCodec, ErrorsCarryTheirStableCodeAndRetryHint) {
  natter::Event e;
  e.kind = natter::EventKind::error;
  e.ref = "c9";
  e.error = natter::ErrorCode::rate_limited;
  e.error_message = "slow down";
  e.retry_after_ms = 250;
  EXPECT_EQ(encoded(e),
            R"({"type":"error","ref":"c9","code":"rate_limited","message":"slow down","retry_after_ms":250})");
}

TEST(ProtocolCodec, EveryOtherEventKindHasItsDocumentedShape) {
  natter::Event welcome;
  welcome.kind = natter::EventKind::welcome;
  welcome.user = "ann";
  welcome.node_id = 7;
  EXPECT_EQ(encoded(welcome), R"({"type":"welcome","user":"ann","node":7,"protocol":"natter.v1"})");

  natter::Event joined;
  joined.kind = natter::EventKind::joined;
  joined.ref = "j1";
  joined.room = "lobby";
  joined.user = "ann";
  const std::string_view members[] = {"ann", "bob"};
  joined.members = members;
  EXPECT_EQ(encoded(joined), R"({"type":"joined","ref":"j1","room":"lobby","user":"ann","members":["ann","bob"]})");

  natter::Event left;
  left.kind = natter::EventKind::left;
  left.room = "lobby";
  left.user = "bob";
  EXPECT_EQ(encoded(left), R"({"type":"left","room":"lobby","user":"bob"})");

  natter::Event ack;
  ack.kind = natter::EventKind::ack;
  ack.ref = "m1";
  ack.room = "lobby";
  ack.message = {42, 1795781234567, "lobby", "ann", ""};
  EXPECT_EQ(encoded(ack), R"({"type":"ack","ref":"m1","room":"lobby","id":"42","ts":1795781234567})");

  natter::Event history;
  history.kind = natter::EventKind::history;
  history.room = "lobby";
  const natter::MessageView page[] = {{1, 10, "lobby", "ann", "a\nb"}, {2, 11, "lobby", "bob", "\xc3\xa9"}};
  history.messages = page;
  EXPECT_EQ(encoded(history), "{\"type\":\"history\",\"room\":\"lobby\",\"messages\":["
                              "{\"id\":\"1\",\"ts\":10,\"from\":\"ann\",\"body\":\"a\\nb\"},"
                              "{\"id\":\"2\",\"ts\":11,\"from\":\"bob\",\"body\":\"\xc3\xa9\"}],"
                              "\"more\":false}");
  history.more = true;
  history.messages = {};
  EXPECT_EQ(encoded(history), R"({"type":"history","room":"lobby","messages":[],"more":true})");

  natter::Event typing;
  typing.kind = natter::EventKind::typing;
  typing.room = "lobby";
  const std::string_view typists[] = {"ann", "bob"};
  typing.members = typists;
  typing.ttl_ms = 6000;
  EXPECT_EQ(encoded(typing), R"({"type":"typing","room":"lobby","users":["ann","bob"],"ttl_ms":6000})");

  natter::Event pong;
  pong.kind = natter::EventKind::pong;
  pong.ref = "p";
  EXPECT_EQ(encoded(pong), R"({"type":"pong","ref":"p"})");
}

}  // namespace natter::ws

namespace natter::ws {

// A server frame is one unmasked text frame holding the event's JSON, with
// each of the three length encodings RFC 6455 has (7, 16 and 64 bits).
TEST(ProtocolCodec, RoomCommandsDecodeTheirFields) {
  DecodedCommand create;
  decode_command(R"({"op":"create_room","room":"v","kind":"protected","password":"pw","members_invite":true})",
                 create);
  ASSERT_EQ(create.error, "");
  EXPECT_EQ(create.command.op, natter::Op::create_room);
  EXPECT_EQ(create.command.kind, "protected");
  EXPECT_EQ(create.command.password, "pw");
  EXPECT_TRUE(create.command.members_invite);
  DecodedCommand invite;
  decode_command(R"({"op":"invite","room":"v","user":"bob"})", invite);
  ASSERT_EQ(invite.error, "");
  EXPECT_EQ(invite.command.user, "bob");
  DecodedCommand nobody;
  decode_command(R"({"op":"kick","room":"v"})", nobody);
  EXPECT_EQ(nobody.error, "missing field 'user'");
  DecodedCommand list;
  decode_command(R"({"op":"list_rooms","after":"m","limit":20})", list);
  ASSERT_EQ(list.error, "");
  EXPECT_EQ(list.command.after_room, "m");
  EXPECT_EQ(list.command.limit, 20u);
}

TEST(ProtocolCodec, PresenceAsksAboutAListOfUsers) {
  DecodedCommand d;
  decode_command(R"({"op":"presence","users":["ann","bob"],"ref":"p"})", d);
  ASSERT_EQ(d.error, "");
  ASSERT_EQ(d.command.users.size(), 2u);
  EXPECT_EQ(d.command.users[1], "bob");
  DecodedCommand wrong;
  decode_command(R"({"op":"presence","users":["ann",7]})", wrong);
  EXPECT_EQ(wrong.error, "field 'users' must be an array of strings");
  const natter::MemberEntry users[] = {{"ann", "", true, 0}, {"bob", "", false, 1795000000000}};
  natter::Event told;
  told.kind = natter::EventKind::presence;
  told.member_list = users;
  EXPECT_EQ(encoded(told), R"({"type":"presence","users":[{"user":"ann","online":true},)"
                           R"({"user":"bob","online":false,"last_seen":1795000000000}]})");
}

TEST(ProtocolCodec, AReadMarkerNamesItsMessageById) {
  DecodedCommand d;
  decode_command(R"({"op":"read","room":"r","id":"387314233797615616"})", d);
  ASSERT_EQ(d.error, "");
  EXPECT_EQ(d.command.id, 387314233797615616ull);
  DecodedCommand missing;
  decode_command(R"({"op":"read","room":"r"})", missing);
  EXPECT_EQ(missing.error, "missing field 'id'");
  natter::Event read;
  read.kind = natter::EventKind::read;
  read.room = "r";
  read.user = "bob";
  read.message.id = 387314233797615616ull;
  EXPECT_EQ(encoded(read), R"({"type":"read","room":"r","user":"bob","id":"387314233797615616"})");
}

TEST(ProtocolCodec, ADirectSendNamesAUserInsteadOfARoom) {
  DecodedCommand d;
  decode_command(R"({"op":"send","to":"bob","body":"psst"})", d);
  ASSERT_EQ(d.error, "");
  EXPECT_EQ(d.command.to, "bob");
  EXPECT_EQ(d.command.room, "");
  DecodedCommand neither;
  decode_command(R"({"op":"send","body":"psst"})", neither);
  EXPECT_EQ(neither.error, "missing field 'room'");
}

TEST(ProtocolCodec, EditAndDeleteNameAMessageInARoomOrADirectRoom) {
  DecodedCommand edit;
  decode_command(R"({"op":"edit","room":"r","id":"387314233797615616","body":"fixed"})", edit);
  ASSERT_EQ(edit.error, "");
  EXPECT_EQ(edit.command.op, natter::Op::edit);
  EXPECT_EQ(edit.command.id, 387314233797615616ull);
  EXPECT_EQ(edit.command.body, "fixed");
  DecodedCommand removal;
  decode_command(R"({"op":"delete","to":"bob","id":"387314233797615616"})", removal);
  ASSERT_EQ(removal.error, "");
  EXPECT_EQ(removal.command.op, natter::Op::delete_message);
  EXPECT_EQ(removal.command.to, "bob");
  DecodedCommand empty;
  decode_command(R"({"op":"edit","room":"r","id":"1","body":""})", empty);
  EXPECT_EQ(empty.error, "field 'body' must not be empty");
  DecodedCommand no_id;
  decode_command(R"({"op":"delete","room":"r"})", no_id);
  EXPECT_EQ(no_id.error, "missing field 'id'");
}

TEST(ProtocolCodec, EditsDeletionsAndReceiptsHaveTheirDocumentedShape) {
  const natter::MessageMark edit_mark{387314233797615617ull, 1795781236012, false};
  natter::Event edited;
  edited.kind = natter::EventKind::edited;
  edited.ref = "e";
  edited.room = "r";
  edited.message = {387314233797615616ull, 1795781234567, "r", "ann", "fixed"};
  edited.marks = std::span(&edit_mark, 1);
  edited.by = "ann";
  EXPECT_EQ(encoded(edited), R"({"type":"edited","ref":"e","room":"r","id":"387314233797615616","ts":1795781234567,)"
                             R"("from":"ann","body":"fixed","edited_ts":1795781236012,"by":"ann"})");
  const natter::MessageMark delete_mark{387314233797615618ull, 1795781237000, true};
  natter::Event deleted;
  deleted.kind = natter::EventKind::deleted;
  deleted.room = "r";
  deleted.message = {387314233797615616ull, 0, "r", "ann", ""};
  deleted.marks = std::span(&delete_mark, 1);
  deleted.by = "owner";
  EXPECT_EQ(encoded(deleted),
            R"({"type":"deleted","room":"r","id":"387314233797615616","deleted_ts":1795781237000,"by":"owner"})");
  natter::Event delivered;
  delivered.kind = natter::EventKind::delivered;
  delivered.room = "dm:ann:bob";
  delivered.user = "bob";
  delivered.message.id = 387314233797615616ull;
  EXPECT_EQ(encoded(delivered), R"({"type":"delivered","room":"dm:ann:bob","user":"bob","id":"387314233797615616"})");
  // A page shows each message as it stands: edited, a tombstone, as sent.
  const natter::MessageView page[] = {{1, 10, "r", "ann", "fixed"}, {2, 20, "r", "bob", ""}, {3, 30, "r", "cat", "hi"}};
  const natter::MessageMark marks[] = {edit_mark, delete_mark, {}};
  natter::Event history;
  history.kind = natter::EventKind::history;
  history.room = "r";
  history.messages = page;
  history.marks = marks;
  EXPECT_EQ(encoded(history), R"({"type":"history","room":"r","messages":[)"
                              R"({"id":"1","ts":10,"from":"ann","body":"fixed","edited_ts":1795781236012},)"
                              R"({"id":"2","ts":20,"from":"bob","body":"","deleted":true},)"
                              R"({"id":"3","ts":30,"from":"cat","body":"hi"}],"more":false})");
  natter::Event joined;
  joined.kind = natter::EventKind::joined;
  joined.room = "r";
  joined.user = "ann";
  joined.unread = 7;
  EXPECT_EQ(encoded(joined), R"({"type":"joined","room":"r","user":"ann","unread":7})");
  joined.recovery = true;
  joined.recovered = false;
  joined.recovered_up_to = 387314233797615616ull;
  EXPECT_EQ(encoded(joined), R"({"type":"joined","room":"r","user":"ann","unread":7,"recovered":false,)"
                             R"("recovered_up_to":"387314233797615616"})");
  joined.recovered = true;
  EXPECT_EQ(encoded(joined), R"({"type":"joined","room":"r","user":"ann","unread":7,"recovered":true})");
}

TEST(ProtocolCodec, RoomEventsHaveTheirDocumentedShape) {
  natter::Event invited;
  invited.kind = natter::EventKind::invited;
  invited.room = "v";
  invited.user = "bob";
  invited.by = "ann";
  EXPECT_EQ(encoded(invited), R"({"type":"invited","room":"v","user":"bob","by":"ann"})");
  natter::Event kicked;
  kicked.kind = natter::EventKind::left;
  kicked.room = "v";
  kicked.user = "bob";
  kicked.by = "ann";
  EXPECT_EQ(encoded(kicked), R"({"type":"left","room":"v","user":"bob","by":"ann"})");
  const natter::RoomEntry rooms[] = {{"a", "public", 3, true, false, -1}, {"b", "private", 1, false, true, 4}};
  natter::Event listed;
  listed.kind = natter::EventKind::rooms;
  listed.ref = "l";
  listed.rooms = rooms;
  listed.more = true;
  EXPECT_EQ(encoded(listed),
            R"({"type":"rooms","ref":"l","rooms":[{"room":"a","kind":"public","members":3,"member":true,"invited":false},)"
            R"({"room":"b","kind":"private","members":1,"member":false,"invited":true,"unread":4}],"more":true})");
  const natter::MemberEntry members[] = {{"ann", "owner", true, 0}, {"bob", "member", false, 1795000000000}};
  natter::Event member_list;
  member_list.kind = natter::EventKind::member_list;
  member_list.room = "v";
  member_list.member_list = members;
  EXPECT_EQ(encoded(member_list),
            R"({"type":"members","room":"v","members":[{"user":"ann","role":"owner","online":true},)"
            R"({"user":"bob","role":"member","online":false,"last_seen":1795000000000}]})");
  natter::Event deleted;
  deleted.kind = natter::EventKind::room_deleted;
  deleted.room = "v";
  deleted.by = "ann";
  EXPECT_EQ(encoded(deleted), R"({"type":"room_deleted","room":"v","by":"ann"})");
}

TEST(ProtocolCodec, AFrameIsTheJsonBehindAServerHeaderOfTheRightLength) {
  for (const std::size_t body_bytes : {10u, 300u, 70000u}) {
    natter::Event e;
    e.kind = natter::EventKind::message;
    e.room = "lobby";
    const std::string body(body_bytes, 'x');
    e.message = {1, 2, "lobby", "ann", body};
    StringSink sink;
    FrameEncoder::instance().encode(e, sink);
    const std::string& frame = sink.text;
    const std::string json = encoded(e);
    const auto byte = [&](std::size_t i) { return static_cast<std::uint64_t>(static_cast<unsigned char>(frame[i])); };
    ASSERT_GT(frame.size(), json.size()) << body_bytes << "-byte body";
    EXPECT_EQ(byte(0), 0x81u);  // FIN and text
    std::size_t header = 2;
    std::uint64_t length = byte(1);  // no mask bit: server frames are unmasked
    if (length == 126) {
      length = byte(2) << 8 | byte(3);
      header = 4;
    } else if (length == 127) {
      length = 0;
      for (std::size_t i = 2; i < 10; ++i) length = length << 8 | byte(i);
      header = 10;
    }
    EXPECT_EQ(length, json.size()) << body_bytes << "-byte body";
    EXPECT_EQ(frame.substr(header), json) << body_bytes << "-byte body";
  }
}

}  // namespace natter::ws

namespace natter::ws {

TEST(ProtocolCodec, FilesAreAskedForAndNamedByTheirAttachments) {
  DecodedCommand up;
  decode_command(R"({"op":"upload","room":"r","name":"cat.png","type":"image/png","size":48213,"ref":"u"})", up);
  ASSERT_EQ(up.error, "");
  EXPECT_EQ(up.command.op, natter::Op::upload);
  ASSERT_EQ(up.command.attachments.size(), 1u);
  EXPECT_EQ(up.command.attachments[0].name, "cat.png");
  EXPECT_EQ(up.command.attachments[0].type, "image/png");
  EXPECT_EQ(up.command.attachments[0].size, 48213u);

  DecodedCommand down;
  decode_command(R"({"op":"download","to":"bob","key":"natter/x/y/cat.png"})", down);
  ASSERT_EQ(down.error, "");
  EXPECT_EQ(down.command.to, "bob");
  ASSERT_EQ(down.command.attachments.size(), 1u);
  EXPECT_EQ(down.command.attachments[0].key, "natter/x/y/cat.png");

  DecodedCommand send;
  decode_command(R"({"op":"send","room":"r","body":"look","attachments":[)"
                 R"({"key":"k1","name":"a.png","type":"image/png","size":1},)"
                 R"({"key":"k2","name":"b.txt","type":"text/plain","size":2}]})",
                 send);
  ASSERT_EQ(send.error, "");
  ASSERT_EQ(send.command.attachments.size(), 2u);
  EXPECT_EQ(send.command.attachments[1].key, "k2");

  DecodedCommand bad;
  decode_command(R"({"op":"send","room":"r","body":"x","attachments":[{"key":"k","name":"n","type":"t","size":-1}]})",
                 bad);
  EXPECT_EQ(bad.error, "in 'attachments': field 'size' must be a size in bytes, a non-negative integer");
  DecodedCommand no_size;
  decode_command(R"({"op":"upload","room":"r","name":"n","type":"t"})", no_size);
  EXPECT_EQ(no_size.error, "missing field 'size'");
}

TEST(ProtocolCodec, AttachmentsAndPresignedRequestsHaveTheirDocumentedShape) {
  const natter::Attachment files[] = {{"natter/x/y/cat.png", "cat.png", "image/png", 48213}};
  const std::span<const natter::Attachment> lists[] = {files, {}};
  natter::Event message;
  message.kind = natter::EventKind::message;
  message.message = {1, 10, "r", "ann", "look"};
  message.attachments = std::span(lists, 1);
  EXPECT_EQ(encoded(message), R"({"type":"message","room":"r","id":"1","ts":10,"from":"ann","body":"look",)"
                              R"("attachments":[{"key":"natter/x/y/cat.png","name":"cat.png","type":"image/png",)"
                              R"("size":48213}]})");
  const natter::MessageView page[] = {{1, 10, "r", "ann", "look"}, {2, 20, "r", "bob", "nice"}};
  natter::Event history;
  history.kind = natter::EventKind::history;
  history.room = "r";
  history.messages = page;
  history.attachments = lists;
  EXPECT_EQ(encoded(history), R"({"type":"history","room":"r","messages":[{"id":"1","ts":10,"from":"ann","body":"look",)"
                              R"("attachments":[{"key":"natter/x/y/cat.png","name":"cat.png","type":"image/png",)"
                              R"("size":48213}]},{"id":"2","ts":20,"from":"bob","body":"nice"}],"more":false})");
  const natter::HttpHeader headers[] = {{"Content-Type", "image/png"}, {"Content-Length", "48213"}};
  natter::Event upload;
  upload.kind = natter::EventKind::upload;
  upload.ref = "u";
  upload.room = "r";
  upload.attachments = std::span(lists, 1);
  upload.method = "PUT";
  upload.url = "https://s3/x";
  upload.expires_at_ms = 1795781234567;
  upload.headers = headers;
  EXPECT_EQ(encoded(upload), R"({"type":"upload","ref":"u","room":"r","attachment":{"key":"natter/x/y/cat.png",)"
                             R"("name":"cat.png","type":"image/png","size":48213},"method":"PUT","url":"https://s3/x",)"
                             R"("expires_at":1795781234567,"headers":{"Content-Type":"image/png","Content-Length":"48213"}})");
  natter::Event download = upload;
  download.kind = natter::EventKind::download;
  download.headers = {};
  download.method = "GET";
  EXPECT_EQ(encoded(download), R"({"type":"download","ref":"u","room":"r","key":"natter/x/y/cat.png","method":"GET",)"
                               R"("url":"https://s3/x","expires_at":1795781234567,"headers":{}})");
}

}  // namespace natter::ws
