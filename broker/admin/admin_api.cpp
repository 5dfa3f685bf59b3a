#include "admin/admin_api.hpp"

#include <sodium.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>

#include <boost/asio/ip/address.hpp>
#include <boost/json.hpp>

namespace natter::admin {

namespace json = boost::json;

namespace {

// "%41b" -> "Ab": room names travel percent-encoded in the path.
bool percent_decode(std::string_view in, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (i + 2 >= in.size() || !std::isxdigit(static_cast<unsigned char>(in[i + 1])) ||
        !std::isxdigit(static_cast<unsigned char>(in[i + 2]))) {
      return false;
    }
    out += static_cast<char>(std::stoi(std::string(in.substr(i + 1, 2)), nullptr, 16));
    i += 2;
  }
  return true;
}

AdminReply refuse(unsigned status, std::string_view message) { return {status, json_error(message)}; }

// The string field `key` of a JSON object body, or nullopt.
std::optional<std::string> field(const json::value& body, std::string_view key) {
  const json::object* object = body.if_object();
  if (!object) return std::nullopt;
  const json::value* value = object->if_contains(key);
  if (!value || !value->is_string()) return std::nullopt;
  return std::string(value->get_string());
}

}  // namespace

std::string json_error(std::string_view message) {
  return json::serialize(json::object{{"error", message}});
}

bool read_token(const std::string& path, std::string& token, std::string& why) {
  std::ifstream in(path);
  if (!in) {
    why = "cannot read '" + path + "': " + std::strerror(errno);
    return false;
  }
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto first = text.find_first_not_of(" \t\r\n");
  const auto last = text.find_last_not_of(" \t\r\n");
  token = first == std::string::npos ? std::string() : text.substr(first, last - first + 1);
  if (token.size() < 16) {
    why = "the token in '" + path + "' is shorter than 16 bytes; make one with: head -c 32 /dev/urandom | base64";
    return false;
  }
  return true;
}

bool is_loopback(const std::string& host) {
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  return !ec && address.is_loopback();
}

bool AdminApi::token_matches(std::string_view authorization) const {
  constexpr std::string_view kBearer = "Bearer ";
  if (token_.empty() || !authorization.starts_with(kBearer)) return false;
  const std::string_view given = authorization.substr(kBearer.size());
  return given.size() == token_.size() && sodium_memcmp(given.data(), token_.data(), token_.size()) == 0;
}

AdminReply AdminApi::handle(std::string_view method, std::string_view target, std::string_view authorization,
                            std::string_view body) {
  const std::string_view path = target.substr(0, target.find('?'));
  const bool reading = method == "GET" || method == "HEAD";
  if (!reading && method != "POST") return refuse(405, "use GET to read and POST to change");
  const bool shown = token_matches(authorization);
  if (!authorization.empty() && !shown) return refuse(401, "wrong admin token");
  if (!reading && !shown) {
    return refuse(token_.empty() ? 403 : 401,
                  token_.empty() ? "this node has no admin_token_file, so nothing may change it through the admin API"
                                 : "changing natterd needs the admin token (Authorization: Bearer ...)");
  }
  if (reading && !shown && !loopback_) {
    return refuse(401, "the admin listener is not on loopback: reading needs the admin token too");
  }
  if (reading) {
    if (path == "/v1/status") return ops_.status();
    if (path == "/v1/rooms") return ops_.rooms();
    if (path == "/v1/sessions") return ops_.sessions();
    if (path.starts_with("/v1/rooms/")) {
      std::string name;
      if (!percent_decode(path.substr(10), name) || name.empty()) return refuse(400, "a room name, percent-encoded");
      return ops_.room(name);
    }
    return refuse(404, "no such resource; see natterctl(1)");
  }
  json::value parsed;
  if (!body.empty()) {
    boost::system::error_code ec;
    parsed = json::parse(body, ec);
    if (ec) return refuse(400, "the body is not JSON: " + ec.message());
  }
  if (path == "/v1/kick") {
    const auto user = field(parsed, "user");
    if (!user || user->empty()) return refuse(400, "kick needs {\"user\": NAME}");
    return ops_.kick(*user);
  }
  if (path == "/v1/broadcast") {
    const auto room = field(parsed, "room");
    const auto text = field(parsed, "text");
    if (!room || !text || room->empty() || text->empty()) {
      return refuse(400, "broadcast needs {\"room\": NAME, \"text\": TEXT}");
    }
    return ops_.broadcast(*room, *text);
  }
  if (path == "/v1/reload") return ops_.reload();
  if (path == "/v1/drain") return ops_.drain();
  return refuse(404, "no such command; see natterctl(1)");
}

}  // namespace natter::admin
