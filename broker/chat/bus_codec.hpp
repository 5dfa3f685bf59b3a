#pragma once
// What one node tells the others over the pub/sub plugin: an envelope. The
// format is the broker's own (plugins carry opaque bytes), little-endian:
// a version byte (3 for a message with attachments, else 2), the kind, the origin node, the origin's sequence number
// (which tells a publication that arrived twice, on two topics, from two)
// and a W3C trace id, then the kind's fields. A node drops, and counts, an
// envelope of a newer version or one it cannot parse; it still reads
// version 1 (room messages only), so a cluster upgrades node by node.

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <natter/storage.hpp>

#include "chat/stored_message.hpp"
#include "chat/trace_context.hpp"

namespace natter::chat {

enum class BusKind : std::uint8_t {
  message = 1,  // a message sent to a room (a direct one too)
  event = 2,    // a room event other members hear: joined, left, invited, room_deleted, read, edited, deleted
  typing = 3,   // a user typing, or stopping, in a room
  state = 4,    // changes to room state (the catalog), as storage keeps them
  presence = 5, // a node lives, and which users have sessions on it
};

// The room event of BusKind::event, owning its text.
struct BusEvent {
  natter::EventKind kind = natter::EventKind::joined;
  std::string room, user, by;
  StoredMessage message;  // edited, deleted: the message as now; read: id only
};

struct BusStateChange {
  natter::StateOp op = natter::StateOp::put;
  std::string room, key, value;
  natter::StateChange view() const noexcept { return {op, room, key, value}; }
};

struct BusTyping {
  std::string room, user;
  bool stopped = false;
};

struct BusPresence {
  enum class What : std::uint8_t {
    heartbeat = 0,  // the node lives
    online = 1,     // `users` gained their first session on the node
    offline = 2,    // `users` lost their last one there, at last_seen_ms
    snapshot = 3,   // `users` are all who have sessions on the node
    // The same, sent after the node's own bus gap: what it published
    // meanwhile may have reached nobody, so the others read it back.
    snapshot_after_gap = 4,
  };
  What what = What::heartbeat;
  std::vector<std::string> users;
  std::int64_t last_seen_ms = 0;
};

struct Envelope {
  BusKind kind = BusKind::message;
  std::uint32_t origin_node = 0;
  std::uint64_t sequence = 0;  // the origin's, one per publication; 0 from version 1
  TraceId trace{};
  StoredMessage message;                   // message
  BusEvent event;                          // event
  BusTyping typing;                        // typing
  std::vector<BusStateChange> changes;      // state
  BusPresence presence;                     // presence
};

// Encoders: `head` gives kind, origin, sequence and trace.
std::vector<std::byte> encode_envelope(const Envelope& head, const natter::MessageView& message,
                                       const AttachmentList& attachments = {});
std::vector<std::byte> encode_envelope(const Envelope& head, const BusEvent& event);
std::vector<std::byte> encode_envelope(const Envelope& head, const BusTyping& typing);
std::vector<std::byte> encode_envelope(const Envelope& head, std::span<const natter::StateChange> changes);
std::vector<std::byte> encode_envelope(const Envelope& head, const BusPresence& presence);

enum class DecodeError { none, newer_version, malformed };
// The envelope, or nullopt with the reason in `error`.
std::optional<Envelope> decode_envelope(std::span<const std::byte> payload, DecodeError& error);

// Topics: a room's traffic; what concerns a user wherever they are
// (direct rooms, invitations); room state and presence, which every node
// follows.
std::string room_topic(std::string_view room);
std::string user_topic(std::string_view user);
// The room or user a topic is about; empty for other topics.
std::string_view room_of_topic(std::string_view topic);
std::string_view user_of_topic(std::string_view topic);
inline constexpr std::string_view kStateTopic = "natter/state";
inline constexpr std::string_view kPresenceTopic = "natter/presence";

}  // namespace natter::chat
