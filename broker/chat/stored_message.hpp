#pragma once
// A message the broker keeps (recent ring, pending send, bus traffic):
// the owning counterpart of natter::MessageView.

#include <cstdint>
#include <string>

#include <natter/values.hpp>

namespace natter::chat {

struct StoredMessage {
  std::uint64_t id = 0;
  std::int64_t ts_ms = 0;
  std::string room;
  std::string sender;
  std::string body;

  static StoredMessage copy_of(const natter::MessageView& m) {
    return {m.id, m.ts_ms, std::string(m.room), std::string(m.sender), std::string(m.body)};
  }
  natter::MessageView view() const noexcept { return {id, ts_ms, room, sender, body}; }
};

}  // namespace natter::chat
