#include "http_front.hpp"

#include <boost/beast/websocket/rfc6455.hpp>

#include "http_answers.hpp"

namespace natter::ws {

namespace http = boost::beast::http;

FrontAnswer route_request(const UpgradeRequest& request, const WsSettings& settings, const WebSite* site) {
  FrontAnswer front;
  const std::string_view target = request.target();
  const bool on_endpoint = target.substr(0, target.find('?')) == settings.path;
  if (site && !on_endpoint && !boost::beast::websocket::is_upgrade(request)) {
    front.answer = site->answer(request.method_string(), target, request[http::field::if_none_match]);
    return front;
  }
  front.verdict = check_upgrade(request, settings.path, settings.origins);
  if (front.verdict.status) {
    front.answer = http_refusal(front.verdict.status, front.verdict.reason);
    return front;
  }
  front.upgrade = true;
  return front;
}

}  // namespace natter::ws
