#pragma once
// Base64url without padding (RFC 7515, 2), decoded strictly: any other
// character, padding, or a length no encoder produces is an error. Any
// thread.

#include <optional>
#include <string>
#include <string_view>

namespace natter::jwt {

std::optional<std::string> decode_base64url(std::string_view text);

}  // namespace natter::jwt
