#pragma once
// Reading one parameter from a URL query string ("user=ann&token=x").

#include <string>
#include <string_view>

namespace natter::ws {

// The percent-decoded value of the first `name=...` in `query`, or "".
std::string query_value(std::string_view query, std::string_view name);

}  // namespace natter::ws
