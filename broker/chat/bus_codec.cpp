#include "chat/bus_codec.hpp"

#include <cstring>

namespace natter::chat {

namespace {

// Version 3 is version 2 with a message's attachments after it; a node
// writes it only for a message that has some, so a cluster whose older
// nodes read 2 keeps working until files are shared.
constexpr std::uint8_t kVersion1 = 1, kVersion2 = 2, kVersion = 3;

class Writer {
 public:
  explicit Writer(std::size_t reserve) { out_.reserve(reserve); }

  template <class Int>
  Writer& put(Int value) {
    for (std::size_t i = 0; i < sizeof(Int); ++i) {
      out_.push_back(static_cast<std::byte>(static_cast<std::uint64_t>(value) >> (8 * i)));
    }
    return *this;
  }
  Writer& text(std::string_view text) {
    put<std::uint32_t>(static_cast<std::uint32_t>(text.size()));
    const auto* bytes = reinterpret_cast<const std::byte*>(text.data());
    out_.insert(out_.end(), bytes, bytes + text.size());
    return *this;
  }
  Writer& head(const Envelope& e, BusKind kind, std::uint8_t version = kVersion2) {
    put<std::uint8_t>(version).put(static_cast<std::uint8_t>(kind)).put(e.origin_node).put(e.sequence);
    for (std::uint8_t b : e.trace) put(b);
    return *this;
  }
  Writer& message(const natter::MessageView& m) { return put(m.id).put(m.ts_ms).text(m.room).text(m.sender).text(m.body); }
  std::vector<std::byte> done() { return std::move(out_); }

 private:
  std::vector<std::byte> out_;
};

class Reader {
 public:
  explicit Reader(std::span<const std::byte> in) : in_(in) {}

  template <class Int>
  bool get(Int& value) {
    if (in_.size() < sizeof(Int)) return false;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(Int); ++i) v |= static_cast<std::uint64_t>(in_[i]) << (8 * i);
    value = static_cast<Int>(v);
    in_ = in_.subspan(sizeof(Int));
    return true;
  }
  bool text(std::string& text) {
    std::uint32_t size = 0;
    if (!get(size) || in_.size() < size) return false;
    text.assign(reinterpret_cast<const char*>(in_.data()), size);
    in_ = in_.subspan(size);
    return true;
  }
  bool message(StoredMessage& m) { return get(m.id) && get(m.ts_ms) && text(m.room) && text(m.sender) && text(m.body); }
  bool done() const { return in_.empty(); }

 private:
  std::span<const std::byte> in_;
};

bool read_body(Reader& in, Envelope& e) {
  switch (e.kind) {
    case BusKind::message: return in.message(e.message);
    case BusKind::event: {
      std::uint32_t kind = 0;
      std::uint8_t deleted = 0;
      auto& ev = e.event;
      if (!(in.get(kind) && in.text(ev.room) && in.text(ev.user) && in.text(ev.by) && in.message(ev.message) &&
            in.get(ev.message.mark.revision) && in.get(ev.message.mark.revised_ms) && in.get(deleted))) {
        return false;
      }
      ev.kind = static_cast<natter::EventKind>(kind);
      ev.message.mark.deleted = deleted != 0;
      return true;
    }
    case BusKind::typing: {
      std::uint8_t stopped = 0;
      if (!(in.text(e.typing.room) && in.text(e.typing.user) && in.get(stopped))) return false;
      e.typing.stopped = stopped != 0;
      return true;
    }
    case BusKind::state: {
      std::uint32_t count = 0;
      if (!in.get(count)) return false;
      for (std::uint32_t i = 0; i < count; ++i) {
        BusStateChange change;
        std::uint32_t op = 0;
        if (!(in.get(op) && in.text(change.room) && in.text(change.key) && in.text(change.value))) return false;
        if (op < 1 || op > 3) return false;
        change.op = static_cast<natter::StateOp>(op);
        e.changes.push_back(std::move(change));
      }
      return true;
    }
    case BusKind::presence: {
      std::uint8_t what = 0;
      std::uint32_t count = 0;
      auto& p = e.presence;
      if (!(in.get(what) && in.get(p.last_seen_ms) && in.get(count)) || what > 4) return false;
      p.what = static_cast<BusPresence::What>(what);
      for (std::uint32_t i = 0; i < count; ++i) {
        std::string user;
        if (!in.text(user)) return false;
        p.users.push_back(std::move(user));
      }
      return true;
    }
  }
  return false;
}

}  // namespace

std::vector<std::byte> encode_envelope(const Envelope& head, const natter::MessageView& m,
                                       const AttachmentList& attachments) {
  Writer out(48 + m.room.size() + m.sender.size() + m.body.size());
  if (attachments.empty()) return out.head(head, BusKind::message).message(m).done();
  return out.head(head, BusKind::message, kVersion).message(m).text(encode_attachments(attachments)).done();
}

std::vector<std::byte> encode_envelope(const Envelope& head, const BusEvent& ev) {
  Writer out(96 + ev.room.size() + ev.user.size() + ev.message.body.size());
  out.head(head, BusKind::event)
      .put(static_cast<std::uint32_t>(ev.kind))
      .text(ev.room)
      .text(ev.user)
      .text(ev.by)
      .message(ev.message.view())
      .put(ev.message.mark.revision)
      .put(ev.message.mark.revised_ms)
      .put<std::uint8_t>(ev.message.mark.deleted ? 1 : 0);
  return out.done();
}

std::vector<std::byte> encode_envelope(const Envelope& head, const BusTyping& typing) {
  return Writer(48 + typing.room.size() + typing.user.size())
      .head(head, BusKind::typing)
      .text(typing.room)
      .text(typing.user)
      .put<std::uint8_t>(typing.stopped ? 1 : 0)
      .done();
}

std::vector<std::byte> encode_envelope(const Envelope& head, std::span<const natter::StateChange> changes) {
  Writer out(48 + 64 * changes.size());
  out.head(head, BusKind::state).put(static_cast<std::uint32_t>(changes.size()));
  for (const auto& c : changes) out.put(static_cast<std::uint32_t>(c.op)).text(c.room).text(c.key).text(c.value);
  return out.done();
}

std::vector<std::byte> encode_envelope(const Envelope& head, const BusPresence& presence) {
  Writer out(64 + 16 * presence.users.size());
  out.head(head, BusKind::presence)
      .put(static_cast<std::uint8_t>(presence.what))
      .put(presence.last_seen_ms)
      .put(static_cast<std::uint32_t>(presence.users.size()));
  for (const auto& user : presence.users) out.text(user);
  return out.done();
}

std::optional<Envelope> decode_envelope(std::span<const std::byte> payload, DecodeError& error) {
  error = DecodeError::malformed;
  Reader in(payload);
  std::uint8_t version = 0, kind = 0;
  if (!in.get(version) || !in.get(kind)) return std::nullopt;
  Envelope e;
  e.kind = static_cast<BusKind>(kind);
  if (version == kVersion1) {
    // Version 1 knew room messages only, without sequence or trace.
    if (e.kind != BusKind::message || !in.get(e.origin_node) || !in.message(e.message) || !in.done()) return std::nullopt;
    error = DecodeError::none;
    return e;
  }
  if (version > kVersion) {
    error = DecodeError::newer_version;
    return std::nullopt;
  }
  if (version < kVersion2 || kind < 1 || kind > 5 || !in.get(e.origin_node) || !in.get(e.sequence)) return std::nullopt;
  for (std::uint8_t& b : e.trace) {
    if (!in.get(b)) return std::nullopt;
  }
  if (!read_body(in, e)) return std::nullopt;
  if (version == kVersion && e.kind == BusKind::message) {
    std::string text;
    auto attachments = in.text(text) ? decode_attachments(text) : std::nullopt;
    if (!attachments) return std::nullopt;
    e.message.attachments = std::move(*attachments);
  }
  if (!in.done()) return std::nullopt;
  error = DecodeError::none;
  return e;
}

namespace {
constexpr std::string_view kRoomTopics = "natter/room/", kUserTopics = "natter/user/";
}  // namespace

std::string room_topic(std::string_view room) { return std::string(kRoomTopics).append(room); }
std::string user_topic(std::string_view user) { return std::string(kUserTopics).append(user); }

std::string_view room_of_topic(std::string_view topic) {
  return topic.starts_with(kRoomTopics) ? topic.substr(kRoomTopics.size()) : std::string_view{};
}

std::string_view user_of_topic(std::string_view topic) {
  return topic.starts_with(kUserTopics) ? topic.substr(kUserTopics.size()) : std::string_view{};
}

}  // namespace natter::chat
