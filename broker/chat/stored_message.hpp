#pragma once
// A message the broker keeps (recent ring, pending send, bus traffic):
// the owning counterpart of natter::MessageView.

#include <cstdint>
#include <string>

#include <natter/values.hpp>

#include "chat/attachment_list.hpp"

namespace natter::chat {

struct StoredMessage {
  std::uint64_t id = 0;
  std::int64_t ts_ms = 0;
  std::string room;
  std::string sender;
  std::string body;
  natter::MessageMark mark{};  // edited or deleted since it was sent
  AttachmentList attachments{};  // the files it carries (gone with a deletion)

  static StoredMessage copy_of(const natter::MessageView& m, natter::MessageMark mark = {}) {
    return {m.id, m.ts_ms, std::string(m.room), std::string(m.sender), std::string(m.body), mark};
  }
  natter::MessageView view() const noexcept { return {id, ts_ms, room, sender, body}; }
};

}  // namespace natter::chat
