#pragma once
// How the generator's commands and events travel: natter.v1 JSON text
// frames, or the same objects as socket.io 4 events (Engine.IO 4 over
// WebSocket: "42" + ["name", object]), for bench/peers/node_socketio.

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "ws_wire.hpp"

namespace natter::bench {

// How commands and events travel: natter.v1 JSON text frames, or the same
// objects as socket.io events ("42" + ["name", object]).
struct Wire {
  bool socketio = false;
  std::string path;

  std::string target(const std::string& user) const {
    return socketio ? "/socket.io/?EIO=4&transport=websocket&user=" + user : path + "?user=" + user;
  }
  // What a client says right after the upgrade: socket.io connects to its
  // default namespace, and must not emit before the server confirms
  // ("40{...}"), so this waits for that; frames behind it go to `pending`.
  void say_hello(int fd, std::string& pending) const {
    if (!socketio) return;
    std::string f;
    append_client_frame(f, "40");
    if (write(fd, f.data(), f.size()) != static_cast<ssize_t>(f.size())) throw std::runtime_error("hello failed");
    std::string data;
    char chunk[4096];
    for (std::size_t answered_at = 0; answered_at == 0;) {
      pollfd ready{fd, POLLIN, 0};
      if (poll(&ready, 1, 5000) != 1) throw std::runtime_error("socket.io: no connect answer");
      const ssize_t n = read(fd, chunk, sizeof chunk);
      if (n == 0 || (n < 0 && errno != EAGAIN)) throw std::runtime_error("socket.io: closed before connecting");
      if (n > 0) data.append(chunk, static_cast<std::size_t>(n));
      for_each_frame(data.data(), data.size(), [&](int, std::string_view payload) {
        if (!answered_at && payload.starts_with("40")) answered_at = static_cast<std::size_t>(payload.end() - data.data());
      });
      if (answered_at) data.erase(0, answered_at);  // what came behind the answer stays for the reader
    }
    pending = std::move(data);
  }
  // A command frame: `op` is "join" or "send", `fields` the rest of the object.
  void command(std::string& out, std::string_view op, const std::string& fields) const {
    if (socketio) {
      append_client_frame(out, "42[\"" + std::string(op) + "\",{" + fields + "}]");
    } else {
      append_client_frame(out, "{\"op\":\"" + std::string(op) + "\"," + fields + "}");
    }
  }
  // The natter.v1 event in a server frame, or empty for anything else
  // (socket.io's open, connect and ping packets).
  std::string_view event(std::string_view payload) const {
    if (!socketio) return payload;
    constexpr std::string_view kEvent = "42[\"event\",";
    if (!payload.starts_with(kEvent) || !payload.ends_with(']')) return {};
    return payload.substr(kEvent.size(), payload.size() - kEvent.size() - 1);
  }
  // Engine.IO's ping ("2"), which a client must answer with "3".
  bool is_ping(std::string_view payload) const { return socketio && payload == "2"; }
};

// The send time the publisher put at the start of the body, which is the
// event's last field: "<stamp> <pad>"}. Read backwards from the known end
// of the stamp; searching for "body" each time cost the generator more
// than a server's delivery.
inline std::int64_t stamped_ns(std::string_view frame, std::size_t pad_bytes) {
  const std::size_t tail = pad_bytes + 3;  // ' ' pad '"' '}'
  if (frame.size() > tail + 20 && frame[frame.size() - tail] == ' ') {
    const char* end = frame.data() + frame.size() - tail;
    const char* begin = end;
    while (begin > frame.data() && *(begin - 1) >= '0' && *(begin - 1) <= '9') --begin;
    if (begin < end && *(begin - 1) == '"') {
      std::int64_t ns = 0;
      for (const char* c = begin; c < end; ++c) ns = ns * 10 + (*c - '0');  // digits, checked above
      return ns;
    }
  }
  const auto at = frame.rfind("\"body\":\"");  // another server's field order
  if (at == std::string_view::npos) return 0;
  std::int64_t ns = 0;
  std::from_chars(frame.data() + at + 8, frame.data() + frame.size(), ns);
  return ns;
}

// The number in an ack's "ref":"m<number>", or -1.
inline long ref_number(std::string_view frame) {
  const auto at = frame.find("\"ref\":\"m");
  if (at == std::string_view::npos) return -1;
  long ref = -1;
  std::from_chars(frame.data() + at + 8, frame.data() + frame.size(), ref);
  return ref;
}

}  // namespace natter::bench
