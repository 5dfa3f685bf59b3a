#include "chat/room_name.hpp"

namespace natter::chat {

std::string room_name_problem(std::string_view name, std::size_t max_bytes) {
  if (name.empty()) return "room name is empty";
  if (name.size() > max_bytes) {
    return "room name is " + std::to_string(name.size()) + " bytes; the limit is " +
           std::to_string(max_bytes);
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) return "room name contains a control character";
  }
  if (name.front() == ' ' || name.back() == ' ') {
    return "room name starts or ends with a space";
  }
  return {};
}

}  // namespace natter::chat
