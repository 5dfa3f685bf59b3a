#include "chat/room_name.hpp"

namespace natter::chat {

std::string room_name_problem(std::string_view name, std::size_t max_bytes) {
  if (name.empty()) return "room name is empty";
  if (name.size() > max_bytes) {
    return "room name is " + std::to_string(name.size()) + " bytes; the limit is " +
           std::to_string(max_bytes);
  }
  // Unicode's control characters (category Cc): C0, DEL, and C1 (U+0080
  // to U+009F, in UTF-8 0xC2 0x80 to 0xC2 0x9F). Names arrive as valid UTF-8.
  for (std::size_t i = 0; i < name.size(); ++i) {
    const auto c = static_cast<unsigned char>(name[i]);
    const bool c1 = c == 0xC2 && i + 1 < name.size() && static_cast<unsigned char>(name[i + 1]) <= 0x9F;
    if (c < 0x20 || c == 0x7f || c1) return "room name contains a control character";
  }
  if (name.front() == ' ' || name.back() == ' ') {
    return "room name starts or ends with a space";
  }
  return {};
}

}  // namespace natter::chat
