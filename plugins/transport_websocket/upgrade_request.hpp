#pragma once
// What natter decides about an HTTP request that asks for a WebSocket
// upgrade, once Beast has parsed it: refused with a status and a reason
// (wrong path, not an upgrade, a malformed key, a page of a site that may
// not connect, a subprotocol we do not speak), or accepted with who the client says it is. A plain function of
// the request, so it can be tested and fuzzed without a socket. Any
// thread.

#include <string>
#include <string_view>

#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>

#include "origin_policy.hpp"

namespace natter::ws {

using UpgradeRequest = boost::beast::http::request<boost::beast::http::empty_body>;

struct UpgradeVerdict {
  unsigned status = 0;  // 0: accept; else the HTTP status to refuse with
  std::string reason;   // the refusal's body, for humans
  bool speaks_ours = false;  // the client offered natter.v1 (answer with it)
  std::string user, token;   // from ?user=, ?token= or Authorization: Bearer
};

// `path`: where the endpoint listens (the transport's `path`); `origins`:
// whose pages may connect.
UpgradeVerdict check_upgrade(const UpgradeRequest& request, std::string_view path, const OriginPolicy& origins);

}  // namespace natter::ws
