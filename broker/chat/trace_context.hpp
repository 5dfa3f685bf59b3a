#pragma once
// W3C trace context (www.w3.org/TR/trace-context): the trace id that
// follows one message through this node, storage and the other nodes'
// logs. A client may start the trace itself with a `traceparent` on its
// send; otherwise the node makes one up. Pure functions; any thread.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace natter::chat {

using TraceId = std::array<std::uint8_t, 16>;

// The trace id of a `traceparent` header value
// ("00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>"), or nullopt if
// it is not one: wrong length or separators, upper-case or other non-hex
// digits, an all-zero trace or parent id, or version ff. A later version
// may add fields after the flags, as the specification allows.
std::optional<TraceId> trace_of_traceparent(std::string_view text);

// The 32 lower-case hex digits of a trace id, as logs and acks show it.
std::string trace_text(const TraceId& trace);

// What a client is told when its traceparent is not one.
inline constexpr std::string_view kTraceparentForm =
    "field 'traceparent' must be a W3C trace context: 00-<32 hex digits>-<16 hex digits>-<2 hex digits>, "
    "lower case, ids not all zero";

}  // namespace natter::chat
