// The HTTP request a client opens with, as the WebSocket transport reads
// it: Beast's parser (with the server's limits), then natter's own checks
// and the user and token it takes from the request. Whatever the bytes, a
// request is accepted or refused with a status, never a crash.
#include <cstddef>
#include <cstdint>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>

#include "origin_policy.hpp"
#include "upgrade_request.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace http = boost::beast::http;
  http::request_parser<http::empty_body> parser;  // Beast's defaults, as http::async_read uses
  boost::beast::error_code ec;
  parser.put(boost::asio::buffer(data, size), ec);
  if (ec || !parser.is_header_done()) return 0;
  static const natter::ws::OriginPolicy origins({"https://chat.example.org"});
  const natter::ws::UpgradeVerdict verdict = natter::ws::check_upgrade(parser.get(), "/ws", origins);
  if (verdict.status == 0 && verdict.reason.size() != 0) __builtin_trap();
  if (verdict.status != 0 && verdict.status != 400 && verdict.status != 403 && verdict.status != 404 &&
      verdict.status != 426) {
    __builtin_trap();
  }
  return 0;
}
