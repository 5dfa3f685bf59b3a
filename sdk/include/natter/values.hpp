#pragma once
// Value types that cross the plugin boundary. All are plain views: whoever
// hands one over owns the bytes it points to, and they are valid only for
// the duration of the call that receives them. Copy what you keep.

#include <cstdint>
#include <span>
#include <string_view>

namespace natter {

// Stable error codes; the numbers are part of the ABI and never reused.
enum class ErrorCode : std::uint32_t {
  none = 0,
  bad_request = 1,    // malformed or incomplete command
  not_member = 2,     // the session has not joined that room
  rate_limited = 3,   // a rate limiter refused; see retry_after_ms
  rejected = 4,       // a content filter refused; see the message
  unavailable = 5,    // a backend (storage, bus) cannot take work now
  unauthorized = 6,   // authentication failed
  internal = 7,       // a bug or an unexpected failure in the broker
  not_found = 8,      // the thing asked for does not exist
  forbidden = 9,      // authenticated, but not allowed
  // ABI 1.5
  wrong_password = 10,  // a protected room's password did not match
  not_invited = 11,     // a private room admits only whom its members invited
  room_exists = 12,     // create_room of a name already taken
  no_such_room = 13,    // the room was never created (or was deleted)
};

// The minor version that introduced `code`. A transport built against an
// older one is handed the nearest older code instead (see older_code).
constexpr std::uint32_t minor_introducing(ErrorCode code) noexcept {
  return static_cast<std::uint32_t>(code) >= 10 ? 5 : 0;
}

// What a client that predates `code` is told instead.
constexpr ErrorCode older_code(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::wrong_password:
    case ErrorCode::not_invited: return ErrorCode::forbidden;
    case ErrorCode::room_exists: return ErrorCode::bad_request;
    case ErrorCode::no_such_room: return ErrorCode::not_found;
    default: return code;
  }
}

// The wire name of a code, as clients see it in `error.code`.
constexpr std::string_view to_string(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::none: return "none";
    case ErrorCode::bad_request: return "bad_request";
    case ErrorCode::not_member: return "not_member";
    case ErrorCode::rate_limited: return "rate_limited";
    case ErrorCode::rejected: return "rejected";
    case ErrorCode::unavailable: return "unavailable";
    case ErrorCode::unauthorized: return "unauthorized";
    case ErrorCode::internal: return "internal";
    case ErrorCode::not_found: return "not_found";
    case ErrorCode::forbidden: return "forbidden";
    case ErrorCode::wrong_password: return "wrong_password";
    case ErrorCode::not_invited: return "not_invited";
    case ErrorCode::room_exists: return "room_exists";
    case ErrorCode::no_such_room: return "no_such_room";
  }
  return "internal";
}

// The outcome of an operation; `detail` is for humans and logs.
struct Status {
  ErrorCode code = ErrorCode::none;
  std::string_view detail;

  constexpr bool ok() const noexcept { return code == ErrorCode::none; }
};

// A stored or delivered chat message.
struct MessageView {
  std::uint64_t id = 0;      // snowflake: time-ordered, unique across nodes
  std::int64_t ts_ms = 0;    // Unix time in milliseconds, from the id's node
  std::string_view room;
  std::string_view sender;   // user name
  std::string_view body;     // UTF-8 text
};

// ABI 1.11: a file a message carries, stored outside natter (see
// natter/attachments.hpp). Never grows (see RoomEntry).
struct Attachment {
  std::string_view key;   // the object's key, as the attachments plugin issued it
  std::string_view name;  // the file's name, for people
  std::string_view type;  // its media type
  std::uint64_t size = 0; // in bytes
};

// ABI 1.11: one HTTP header a client must send, as given, with a
// presigned request. Never grows (see RoomEntry).
struct HttpHeader {
  std::string_view name, value;
};

// Who a session belongs to, as decided by the auth plugin.
struct Identity {
  std::string_view user;
  // ABI 1.7: when the credential runs out (Unix ms); the broker closes the
  // session then (4001). 0: never.
  std::int64_t expires_at_ms = 0;
  // ABI 1.8: what the credential allows, on top of the rules every user
  // has (room kinds, ownership). An auth plugin built for 1.7 or older,
  // or one that leaves these alone, limits nothing.
  bool may_create_rooms = true;  // create_room, and a join that makes a room
  // When true, every command naming a room other than a direct one is
  // refused (forbidden) unless `rooms` allows it: a room name, or a prefix
  // ending in '*' ("support-*"; "*" alone allows all).
  bool rooms_limited = false;
  std::span<const std::string_view> rooms = {};
};

// What a transport knows about a connecting client.
struct ConnectInfo {
  std::string_view transport;       // plugin name, e.g. "websocket"
  std::string_view remote_address;  // "ip:port" or a broker client id
  std::string_view requested_user;  // the name the client asked for, if any
  std::string_view token;           // bearer token, if any
  // ABI 1.8: the transport has authenticated requested_user itself (an
  // MQTT broker's password file and ACL, say); the broker then signs the
  // session in as requested_user without asking the auth plugin.
  bool authenticated = false;
};

// Client commands. Numbers are ABI and never reused. 1.4: typing.
// 1.5: rooms with kinds and owners. 1.6: edit and delete (a message; on
// the wire "delete"), which use Command's room or to, id and body.
enum class Op : std::uint32_t {
  join = 1, leave = 2, send = 3, history = 4, ping = 5, typing = 6,
  create_room = 7, invite = 8, kick = 9, delete_room = 10, list_rooms = 11, members = 12, presence = 13,
  read = 14,
  edit = 15, delete_message = 16,  // 1.6
  upload = 17, download = 18,      // 1.11
};

// One decoded client command, filled in by a transport. Fields an op does
// not use are empty or zero. Fields are only ever added at the end, each
// marked with the minor version that added it; the broker reads a field
// only from a transport whose descriptor speaks that minor or a newer one,
// so a transport built against an older SDK is never read past its end.
struct Command {
  Op op = Op::ping;
  std::string_view ref;       // client's correlation id, echoed in the answer
  std::string_view room;
  std::string_view body;      // send
  std::string_view password;  // join, for password-protected rooms
  std::uint64_t since = 0;    // join: recover messages with id > since
  bool has_since = false;
  std::uint64_t before = 0;   // history: messages with id < before (0 = newest)
  std::uint32_t limit = 0;    // history: page size (0 = server default)
  // ABI 1.4
  std::uint64_t after = 0;    // history, with has_after: the oldest messages with id > after
  bool has_after = false;
  bool stopped = false;       // typing: the user stopped typing (default: is typing)
  // ABI 1.5
  std::string_view to;          // send: a user, for a direct message (instead of room)
  std::string_view user;        // invite, kick: whom
  std::string_view kind;        // create_room: "public", "protected" or "private"
  bool members_invite = false;  // create_room: members may invite too, not only the owner
  std::string_view after_room;  // list_rooms: the page starts after this room name
  std::span<const std::string_view> users;  // presence: whose
  std::uint64_t id = 0;                     // read: the newest message read; edit, delete_message: which
  // ABI 1.10
  std::string_view traceparent;  // send: the client's W3C trace context, as sent; empty: none
  // ABI 1.11
  // send: the files the message carries; upload: the one file to be put
  // (its key empty); download: the one file to fetch (only its key).
  std::span<const Attachment> attachments;
};

// Server events. Numbers are ABI and never reused.
enum class EventKind : std::uint32_t {
  welcome = 1, joined = 2, left = 3, message = 4, ack = 5, history = 6, error = 7, pong = 8,
  typing = 9,  // 1.4
  invited = 10, room_deleted = 11, rooms = 12, member_list = 13, presence = 14, read = 15,  // 1.5
  edited = 16, deleted = 17, delivered = 18,  // 1.6
  upload = 19, download = 20,                 // 1.11: the answers to those ops
};

// The minor version that introduced `kind`: the broker never hands an event
// to a transport built against an older one, which could not encode it.
constexpr std::uint32_t minor_introducing(EventKind kind) noexcept {
  if (kind == EventKind::typing) return 4;
  if (static_cast<std::uint32_t>(kind) >= 19) return 11;
  if (static_cast<std::uint32_t>(kind) >= 16) return 6;
  return static_cast<std::uint32_t>(kind) >= 10 ? 5 : 0;
}

// ABI 1.6: what became of a message after it was sent. Never grows (see
// RoomEntry).
struct MessageMark {
  std::uint64_t revision = 0;   // id of its latest edit or deletion (a snowflake, as message ids); 0: as sent
  std::int64_t revised_ms = 0;  // when that was, Unix milliseconds
  bool deleted = false;         // a tombstone: the body is gone for good
};

// ABI 1.5: one room of a `rooms` event. Never grows: a new field would
// change the stride of the span that carries it.
struct RoomEntry {
  std::string_view room;
  std::string_view kind;      // "public", "protected", "private" or "direct"
  std::uint32_t members = 0;  // how many users belong to it
  bool member = false;        // whether the asking user does
  bool invited = false;       // whether the asking user is invited to it
  std::int64_t unread = -1;   // messages after the user's read marker; -1: not known
};

// ABI 1.5: one member of a `member_list` event. Never grows (see RoomEntry).
struct MemberEntry {
  std::string_view user;
  std::string_view role;          // "owner" or "member"
  bool online = false;            // has a session open
  std::int64_t last_seen_ms = 0;  // when it was last online; 0: not known
};

// One server event, filled in by the broker. Fields a kind does not use
// are empty or zero. Fields are only ever added at the end, marked with
// the minor version that added them: a transport built against an older
// SDK reads the fields it knows and never sees the rest.
struct Event {
  EventKind kind = EventKind::pong;
  std::string_view ref;                    // ack, history, error, pong, joined (to the joiner)
  std::string_view room;                   // joined, left, message, history
  std::string_view user;                   // welcome (you), joined, left
  std::uint32_t node_id = 0;               // welcome
  MessageView message;                     // message; ack uses id and ts_ms; read uses id
  std::span<const MessageView> messages;   // history, oldest first
  std::span<const std::string_view> members;  // joined, to the joiner only; typing: who is typing, sorted
  ErrorCode error = ErrorCode::none;       // error
  std::string_view error_message;          // error
  std::uint32_t retry_after_ms = 0;        // error: rate_limited
  // ABI 1.4
  bool more = false;  // history: messages exist beyond this page, in the direction it was asked for
  std::uint32_t ttl_ms = 0;  // typing: how long the list holds unless another typing event comes
  // ABI 1.5
  std::string_view by;                        // left (a kick), invited, room_deleted: who did it
  std::string_view room_kind;                 // joined, to the joiner: the room's kind
  std::span<const RoomEntry> rooms;           // rooms
  std::span<const MemberEntry> member_list;   // member_list; presence (role empty)
  // ABI 1.6
  // history: one per message of `messages`, in the same order, or empty
  // when every message is as it was sent; message (one replayed on join
  // with since), edited, deleted: one, about `message`, or empty.
  std::span<const MessageMark> marks;
  std::int64_t unread = -1;  // joined, to the joiner: messages by others after its read marker; -1: not known
  // joined, answering a join with since: whether every missed message (and
  // change) follows; if not, the client pages the rest with history after
  // recovered_up_to, the last message id that follows (or since).
  bool recovery = false;
  bool recovered = false;
  std::uint64_t recovered_up_to = 0;
  // ABI 1.10
  std::string_view trace_id;  // ack: the 32 hex digits of the trace the message's log lines carry
  // ABI 1.11
  // message, edited: one list, the message's files; history: one list per
  // message of `messages`, in the same order, or empty when no message of
  // the page carries any; upload, download: one list of the one file.
  std::span<const std::span<const Attachment>> attachments;
  // upload, download: the presigned request the client makes.
  std::string_view method;   // "PUT" or "GET"
  std::string_view url;
  std::int64_t expires_at_ms = 0;
  std::span<const HttpHeader> headers;  // upload: send these, as given
};

}  // namespace natter
