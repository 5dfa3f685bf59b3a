#include "chat/attachment_list.hpp"

#include <boost/json.hpp>

namespace natter::chat {

namespace json = boost::json;

std::vector<natter::Attachment> views_of(const AttachmentList& list) {
  std::vector<natter::Attachment> views;
  views.reserve(list.size());
  for (const auto& a : list) views.push_back(a.view());
  return views;
}

std::string encode_attachments(const AttachmentList& list) {
  if (list.empty()) return {};
  json::array array;
  for (const auto& a : list) {
    array.push_back(json::object{{"key", a.key}, {"name", a.name}, {"type", a.type}, {"size", a.size}});
  }
  return json::serialize(array);
}

std::optional<AttachmentList> decode_attachments(std::string_view text) {
  if (text.empty()) return AttachmentList{};
  std::error_code ec;
  const json::value value = json::parse(text, ec);
  if (ec || !value.is_array()) return std::nullopt;
  AttachmentList list;
  for (const auto& item : value.get_array()) {
    const json::object* o = item.if_object();
    if (!o) return std::nullopt;
    const json::value* key = o->if_contains("key");
    const json::value* name = o->if_contains("name");
    const json::value* type = o->if_contains("type");
    const json::value* size = o->if_contains("size");
    if (!key || !key->is_string() || !name || !name->is_string() || !type || !type->is_string() || !size) {
      return std::nullopt;
    }
    std::uint64_t bytes = 0;
    if (size->is_uint64()) {
      bytes = size->get_uint64();
    } else if (size->is_int64() && size->get_int64() >= 0) {
      bytes = static_cast<std::uint64_t>(size->get_int64());
    } else {
      return std::nullopt;
    }
    list.push_back({std::string(key->get_string()), std::string(name->get_string()),
                    std::string(type->get_string()), bytes});
  }
  return list;
}

}  // namespace natter::chat
