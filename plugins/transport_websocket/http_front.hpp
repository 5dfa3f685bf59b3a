#pragma once
// What the transport does with one HTTP request on its listener: a request
// on the WebSocket path goes through check_upgrade (an upgrade, or a
// refusal); any other request that is not an upgrade is the web site's,
// when the transport serves one; the rest is refused as check_upgrade
// says (404). A plain function of the request, shared by the plain and
// the TLS listener. Any thread.

#include <string>

#include "upgrade_request.hpp"
#include "web_site.hpp"
#include "ws_config.hpp"

namespace natter::ws {

struct FrontAnswer {
  bool upgrade = false;   // go on with the WebSocket handshake (verdict)
  UpgradeVerdict verdict;
  std::string answer;     // otherwise: the complete HTTP answer to write before closing
};

// `site` may be null (no web page served).
FrontAnswer route_request(const UpgradeRequest& request, const WsSettings& settings, const WebSite* site);

}  // namespace natter::ws
