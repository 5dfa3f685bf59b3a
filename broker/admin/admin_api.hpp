#pragma once
// The operator's API under /v1 on the admin listener, which natterctl
// speaks: JSON in and out. Reading (GET /v1/status, /v1/rooms,
// /v1/rooms/NAME, /v1/sessions) is open on a loopback listener and needs
// the token elsewhere; changing (POST /v1/kick, /v1/broadcast, /v1/reload,
// /v1/drain) always needs the token, `Authorization: Bearer <token>`,
// which natterd reads from [broker] admin_token_file at start; without
// one configured it is refused. Routing and checks only: AdminOps does
// the work. Admin thread.

#include <string>
#include <string_view>

namespace natter::admin {

struct AdminReply {
  unsigned status = 200;
  std::string json;  // the body
};

// What the API asks of the running natterd. Admin thread; a call may wait
// for the broker's loop or the main thread, never longer than a few seconds.
class AdminOps {
 public:
  virtual AdminReply status() = 0;
  virtual AdminReply rooms() = 0;
  virtual AdminReply room(std::string_view name) = 0;
  virtual AdminReply sessions() = 0;
  virtual AdminReply kick(std::string_view user) = 0;
  virtual AdminReply broadcast(std::string_view room, std::string_view text) = 0;
  virtual AdminReply reload() = 0;
  virtual AdminReply drain() = 0;

 protected:
  ~AdminOps() = default;
};

class AdminApi {
 public:
  // `token`: empty when none is configured. `loopback`: the listener's
  // address is a loopback one. Borrows `ops`, which outlives the API.
  AdminApi(std::string token, bool loopback, AdminOps& ops)
      : token_(std::move(token)), loopback_(loopback), ops_(ops) {}

  // One request: `target` starts with "/v1/"; `authorization` is the
  // request's Authorization header (may be empty).
  AdminReply handle(std::string_view method, std::string_view target, std::string_view authorization,
                    std::string_view body);

 private:
  bool token_matches(std::string_view authorization) const;

  const std::string token_;
  const bool loopback_;
  AdminOps& ops_;
};

// A JSON object {"error": message}; also what a refusal answers.
std::string json_error(std::string_view message);

// Reads the token from `path` (surrounding whitespace dropped); false with
// the reason in `why` if it cannot be read or is shorter than 16 bytes.
bool read_token(const std::string& path, std::string& token, std::string& why);

// Whether `host` (an IP address) is a loopback one.
bool is_loopback(const std::string& host);

}  // namespace natter::admin
