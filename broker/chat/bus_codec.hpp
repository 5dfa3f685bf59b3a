#pragma once
// What one node tells the others over the pub/sub plugin. The format is
// the broker's own (plugins carry opaque bytes), little-endian, with a
// version byte so mixed-version clusters refuse rather than misread.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "chat/stored_message.hpp"

namespace natter::chat {

struct BusMessage {
  std::uint32_t origin_node = 0;
  StoredMessage message;
};

std::vector<std::byte> encode_bus_message(std::uint32_t origin_node, const natter::MessageView& m);

// nullopt for a payload this broker does not understand.
std::optional<BusMessage> decode_bus_message(std::span<const std::byte> payload);

// The bus topic for a room's messages.
std::string room_topic(std::string_view room);

}  // namespace natter::chat
