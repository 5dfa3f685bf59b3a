#include "upgrade_request.hpp"

#include <algorithm>

#include <boost/beast/websocket/rfc6455.hpp>

#include "protocol_codec.hpp"
#include "query_string.hpp"

namespace natter::ws {

namespace http = boost::beast::http;

namespace {

// Whether the client offered natter.v1, or offered nothing at all (a bare
// browser WebSocket); any other offer is refused at the upgrade.
bool offers_our_protocol(std::string_view header, bool& offered_any) {
  offered_any = false;
  while (!header.empty()) {
    auto comma = header.find(',');
    std::string_view item = header.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) {
      offered_any = true;
      if (item == kSubprotocol) return true;
    }
    if (comma == std::string_view::npos) break;
    header.remove_prefix(comma + 1);
  }
  return false;
}

// RFC 6455, 4.1: the key is 16 random bytes, base64-encoded: 22
// characters of the base64 alphabet and "==".
bool valid_key(std::string_view key) {
  if (key.size() != 24 || !key.ends_with("==")) return false;
  return std::all_of(key.begin(), key.end() - 2, [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/';
  });
}

}  // namespace

UpgradeVerdict check_upgrade(const UpgradeRequest& request, std::string_view path, const OriginPolicy& origins) {
  UpgradeVerdict verdict;
  const std::string_view target = request.target();
  const auto question = target.find('?');
  const std::string_view asked = target.substr(0, question);
  if (asked != path) {
    verdict.status = 404;
    verdict.reason = "natter: no WebSocket endpoint at " + std::string(asked) + "; clients connect to " +
                     std::string(path);
    return verdict;
  }
  if (!boost::beast::websocket::is_upgrade(request)) {
    verdict.status = 426;
    verdict.reason = "natter: this endpoint speaks WebSocket (subprotocol natter.v1)";
    return verdict;
  }
  if (request[http::field::sec_websocket_version] != "13") {
    verdict.status = 426;
    verdict.reason = "natter: this server speaks WebSocket version 13 (RFC 6455)";
    return verdict;
  }
  if (!valid_key(request[http::field::sec_websocket_key])) {
    verdict.status = 400;
    verdict.reason = "natter: Sec-WebSocket-Key must be 16 bytes in base64 (RFC 6455, 4.1)";
    return verdict;
  }
  if (const std::string_view origin = request[http::field::origin];
      !origins.allows(origin, request[http::field::host])) {
    verdict.status = 403;
    verdict.reason = "natter: a page from " + std::string(origin) +
                     " may not open a WebSocket here (the transport's allowed_origins)";
    return verdict;
  }
  bool offered_any = false;
  verdict.speaks_ours = offers_our_protocol(request[http::field::sec_websocket_protocol], offered_any);
  if (offered_any && !verdict.speaks_ours) {
    verdict.status = 400;
    verdict.reason = "natter: unsupported WebSocket subprotocol; this server speaks natter.v1";
    return verdict;
  }
  const auto query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
  verdict.user = query_value(query, "user");
  verdict.token = query_value(query, "token");
  const std::string_view authorization = request[http::field::authorization];
  if (authorization.starts_with("Bearer ")) verdict.token = std::string(authorization.substr(7));
  return verdict;
}

}  // namespace natter::ws
