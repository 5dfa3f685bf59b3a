#include "chat/bus_codec.hpp"

#include <cstring>

namespace natter::chat {

namespace {

constexpr std::byte kVersion{1};
constexpr std::byte kKindMessage{1};

template <class Int>
void put(std::vector<std::byte>& out, Int value) {
  for (std::size_t i = 0; i < sizeof(Int); ++i) {
    out.push_back(static_cast<std::byte>(static_cast<std::uint64_t>(value) >> (8 * i)));
  }
}

void put_text(std::vector<std::byte>& out, std::string_view text) {
  put<std::uint32_t>(out, static_cast<std::uint32_t>(text.size()));
  const auto* bytes = reinterpret_cast<const std::byte*>(text.data());
  out.insert(out.end(), bytes, bytes + text.size());
}

class Reader {
 public:
  explicit Reader(std::span<const std::byte> in) : in_(in) {}

  template <class Int>
  bool get(Int& value) {
    if (in_.size() < sizeof(Int)) return false;
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < sizeof(Int); ++i) {
      v |= static_cast<std::uint64_t>(in_[i]) << (8 * i);
    }
    value = static_cast<Int>(v);
    in_ = in_.subspan(sizeof(Int));
    return true;
  }

  bool get_text(std::string& text) {
    std::uint32_t size = 0;
    if (!get(size) || in_.size() < size) return false;
    text.assign(reinterpret_cast<const char*>(in_.data()), size);
    in_ = in_.subspan(size);
    return true;
  }

  bool done() const { return in_.empty(); }

 private:
  std::span<const std::byte> in_;
};

}  // namespace

std::vector<std::byte> encode_bus_message(std::uint32_t origin_node, const natter::MessageView& m) {
  std::vector<std::byte> out;
  out.reserve(2 + 4 + 8 + 8 + 12 + m.room.size() + m.sender.size() + m.body.size());
  out.push_back(kVersion);
  out.push_back(kKindMessage);
  put<std::uint32_t>(out, origin_node);
  put<std::uint64_t>(out, m.id);
  put<std::int64_t>(out, m.ts_ms);
  put_text(out, m.room);
  put_text(out, m.sender);
  put_text(out, m.body);
  return out;
}

std::optional<BusMessage> decode_bus_message(std::span<const std::byte> payload) {
  if (payload.size() < 2 || payload[0] != kVersion || payload[1] != kKindMessage) {
    return std::nullopt;
  }
  Reader in(payload.subspan(2));
  BusMessage bus;
  auto& m = bus.message;
  if (in.get(bus.origin_node) && in.get(m.id) && in.get(m.ts_ms) && in.get_text(m.room) &&
      in.get_text(m.sender) && in.get_text(m.body) && in.done()) {
    return bus;
  }
  return std::nullopt;
}

std::string room_topic(std::string_view room) { return "natter/room/" + std::string(room); }

}  // namespace natter::chat
