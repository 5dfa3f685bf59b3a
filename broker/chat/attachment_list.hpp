#pragma once
// The files a message carries (ABI 1.11), owned by the broker, and the
// text storage keeps them as (natter::MessageExtras): a JSON array of
// {"key", "name", "type", "size"} objects. Any thread; no shared state.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <natter/values.hpp>

namespace natter::chat {

struct OwnedAttachment {
  std::string key, name, type;
  std::uint64_t size = 0;

  static OwnedAttachment copy_of(const natter::Attachment& a) {
    return {std::string(a.key), std::string(a.name), std::string(a.type), a.size};
  }
  natter::Attachment view() const noexcept { return {key, name, type, size}; }
  bool operator==(const OwnedAttachment&) const = default;
};

using AttachmentList = std::vector<OwnedAttachment>;

std::vector<natter::Attachment> views_of(const AttachmentList& list);

// The text storage keeps; "" for no attachments.
std::string encode_attachments(const AttachmentList& list);
// nullopt when `text` is not what encode_attachments wrote.
std::optional<AttachmentList> decode_attachments(std::string_view text);

}  // namespace natter::chat
