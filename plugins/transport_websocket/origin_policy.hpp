#pragma once
// Which web pages may open a WebSocket to natter. A browser names the page
// that opens a WebSocket in the handshake's Origin header, and lets a page
// of any site connect anywhere: without a check, a page on another site
// could talk to natter as its visitor, with their network position and any
// credentials the browser adds (cross-site WebSocket hijacking). By default
// only pages of the host the client connected to pass (the chat page
// natterd serves itself, or a site behind the same name), an explicit list
// names others, and "*" lets any page in. Clients that are not browsers
// send no Origin and are not affected. Immutable after start; any thread.

#include <string>
#include <string_view>
#include <vector>

namespace natter::ws {

class OriginPolicy {
 public:
  // `allowed`: origins as "scheme://host[:port]", or "*"; empty: same
  // host only. Throws std::invalid_argument naming an entry that is not an
  // origin.
  explicit OriginPolicy(const std::vector<std::string>& allowed = {});

  // Whether a handshake with Origin `origin` (empty: none sent), sent to
  // `host` (its Host header), may go on.
  bool allows(std::string_view origin, std::string_view host) const;

 private:
  bool any_ = false;
  std::vector<std::string> allowed_;  // lower-cased
};

}  // namespace natter::ws
