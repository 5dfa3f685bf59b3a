#pragma once
// The HTTP answers natter writes itself on the upgrade path, as bytes ready
// for the socket: refusals (plain and TLS listeners) and the 101 that
// accepts an upgrade (TLS listener; on a plain one Beast writes it). Any
// thread.

#include <string>
#include <string_view>

namespace natter::ws {

// A refusal with `status` and a body for humans; the connection closes
// after it. A 426 also says what to ask for instead (RFC 6455 4.2.2).
std::string http_refusal(unsigned status, std::string_view body);

// RFC 6455 4.2.2: the answer that accepts an upgrade whose
// Sec-WebSocket-Key is `key`, naming natter.v1 if the client offered it.
std::string switching_protocols(std::string_view key, bool speaks_ours);

}  // namespace natter::ws
