#pragma once
// What a room name may be: 1..max bytes of UTF-8 (the transport has
// already checked the encoding), no control characters, no leading or
// trailing space.

#include <cstddef>
#include <string>
#include <string_view>

namespace natter::chat {

// Empty if `name` is acceptable, else the reason, for the client.
std::string room_name_problem(std::string_view name, std::size_t max_bytes);

}  // namespace natter::chat
