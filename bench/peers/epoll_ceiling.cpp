// The ceiling: how fast any server can fan out on this machine under
// natter_loadgen. One thread on raw epoll and nothing between a command and
// its writes: each event is copied into every member's output buffer (what
// uWebSockets calls corking) and every buffer leaves in one write() per
// loop turn. No storage, no ids worth the name, none of the checks a real
// server needs. It answers "how far is natter from what the kernel allows
// here", the question the issue's uWebSockets figure answered on the
// machine it was measured on. Same natter.v1 subset as the other peers.
//
//   natter_peer_ceiling PORT

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/uuid/detail/sha1.hpp>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace {

struct Connection {
  int fd = -1;
  bool upgraded = false;
  bool dirty = false;         // in the list flushed at the end of this loop turn
  bool waiting_out = false;   // the kernel's buffer was full: EPOLLOUT is on
  bool closing = false;       // the client closed or broke the protocol
  std::string in;             // bytes not yet parsed
  std::string out;            // bytes not yet written
  std::string user = "guest";
  std::vector<std::string> rooms;
};

std::string base64(const unsigned char* data, std::size_t n) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < n; i += 3) {
    const std::uint32_t chunk = (std::uint32_t{data[i]} << 16) | (i + 1 < n ? std::uint32_t{data[i + 1]} << 8 : 0) |
                                (i + 2 < n ? std::uint32_t{data[i + 2]} : 0);
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < n ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < n ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

std::string accept_key(std::string_view client_key) {
  boost::uuids::detail::sha1 sha;
  const std::string input = std::string(client_key) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
  sha.process_bytes(input.data(), input.size());
  unsigned int words[5];
  sha.get_digest(words);
  unsigned char digest[20];
  for (int i = 0; i < 5; ++i) {
    for (int b = 0; b < 4; ++b) digest[i * 4 + b] = static_cast<unsigned char>(words[i] >> (24 - 8 * b));
  }
  return base64(digest, sizeof digest);
}

// The value after `name` up to the end of its line (HTTP header) or to
// `stop` (query string), or empty.
std::string_view after(std::string_view text, std::string_view name, std::string_view stops) {
  const auto at = text.find(name);
  if (at == std::string_view::npos) return {};
  const auto begin = at + name.size();
  return text.substr(begin, text.find_first_of(stops, begin) - begin);
}

// The string value of "key":"..." in a flat JSON object (the generator
// sends no escapes).
std::string_view field(std::string_view json, std::string_view key) {
  const std::string pattern = "\"" + std::string(key) + "\":\"";
  const auto at = json.find(pattern);
  if (at == std::string_view::npos) return {};
  const auto begin = at + pattern.size();
  return json.substr(begin, json.find('"', begin) - begin);
}

void append_server_frame(std::string& out, int opcode, std::string_view payload) {
  out.push_back(static_cast<char>(0x80 | opcode));
  if (payload.size() < 126) {
    out.push_back(static_cast<char>(payload.size()));
  } else {
    out.push_back(static_cast<char>(126));
    out.push_back(static_cast<char>(payload.size() >> 8));
    out.push_back(static_cast<char>(payload.size() & 0xff));
  }
  out.append(payload);
}

class Server {
 public:
  explicit Server(int port) {
    listener_ = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int one = 1;
    setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<std::uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 || listen(listener_, 4096) != 0) {
      std::fprintf(stderr, "natter_peer_ceiling: port %d: %s\n", port, std::strerror(errno));
      std::exit(1);
    }
    epoll_ = epoll_create1(0);
    watch(listener_, EPOLLIN, EPOLL_CTL_ADD);
  }

  void run() {
    std::vector<epoll_event> events(1024);
    while (true) {
      const int ready = epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), -1);
      for (int i = 0; i < ready; ++i) {
        const int fd = events[static_cast<std::size_t>(i)].data.fd;
        if (fd == listener_) {
          accept_all();
        } else if (Connection* c = find(fd)) {
          if (events[static_cast<std::size_t>(i)].events & EPOLLOUT) mark_dirty(*c);
          if (events[static_cast<std::size_t>(i)].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) read_from(*c);
        }
      }
      flush();
    }
  }

 private:
  void watch(int fd, std::uint32_t events, int op) {
    epoll_event event{};
    event.events = events;
    event.data.fd = fd;
    epoll_ctl(epoll_, op, fd, &event);
  }

  Connection* find(int fd) { return fd < static_cast<int>(by_fd_.size()) ? by_fd_[static_cast<std::size_t>(fd)].get() : nullptr; }

  void accept_all() {
    while (true) {
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK);
      if (fd < 0) return;
      const int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);  // as every server measured here
      if (static_cast<std::size_t>(fd) >= by_fd_.size()) by_fd_.resize(static_cast<std::size_t>(fd) + 1);
      by_fd_[static_cast<std::size_t>(fd)] = std::make_unique<Connection>();
      by_fd_[static_cast<std::size_t>(fd)]->fd = fd;
      watch(fd, EPOLLIN, EPOLL_CTL_ADD);
    }
  }

  void close_connection(Connection& c) {
    for (const std::string& room : c.rooms) std::erase(rooms_[room], &c);
    std::erase(dirty_, &c);
    close(c.fd);
    by_fd_[static_cast<std::size_t>(c.fd)].reset();
  }

  void mark_dirty(Connection& c) {
    if (c.dirty) return;
    c.dirty = true;
    dirty_.push_back(&c);
  }

  void send_frame(Connection& c, std::string_view payload) {
    append_server_frame(c.out, 0x1, payload);
    mark_dirty(c);
  }

  void read_from(Connection& c) {
    char chunk[65536];
    const ssize_t n = read(c.fd, chunk, sizeof chunk);
    if (n == 0 || (n < 0 && errno != EAGAIN)) return close_connection(c);
    if (n < 0) return;
    c.in.append(chunk, static_cast<std::size_t>(n));
    if (!c.upgraded && !upgrade(c)) return;
    std::size_t at = 0;
    while (!c.closing) {
      const std::size_t used = take_frame(c, at);
      if (used == 0) break;
      at += used;
    }
    if (c.closing) return close_connection(c);
    c.in.erase(0, at);
  }

  // The HTTP upgrade, once the request is complete.
  bool upgrade(Connection& c) {
    const auto end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) return false;
    const std::string_view request(c.in.data(), end + 2);
    if (const auto user = after(request, "user=", "& "); !user.empty()) c.user = user;
    c.out += "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
             "Sec-WebSocket-Protocol: natter.v1\r\nSec-WebSocket-Accept: " +
             accept_key(after(request, "Sec-WebSocket-Key: ", "\r")) + "\r\n\r\n";
    c.in.erase(0, end + 4);
    c.upgraded = true;
    send_frame(c, R"({"type":"welcome","user":")" + c.user + R"("})");
    return true;
  }

  // One client frame from c.in at `at`: its length, or 0 if incomplete or
  // the connection is closing.
  std::size_t take_frame(Connection& c, std::size_t at) {
    const std::string_view data(c.in.data() + at, c.in.size() - at);
    if (data.size() < 2) return 0;
    const int opcode = data[0] & 0x0f;
    std::size_t length = static_cast<unsigned char>(data[1]) & 0x7f;
    std::size_t header = 2;
    if (length == 126) {
      if (data.size() < 4) return 0;
      length = (static_cast<std::size_t>(static_cast<unsigned char>(data[2])) << 8) | static_cast<unsigned char>(data[3]);
      header = 4;
    } else if (length == 127) {
      c.closing = true;  // the generator never sends that much
      return 0;
    }
    if (data.size() < header + 4 + length) return 0;
    const char* mask = data.data() + header;
    payload_.assign(data.data() + header + 4, length);
    for (std::size_t i = 0; i < length; ++i) payload_[i] = static_cast<char>(payload_[i] ^ mask[i & 3]);
    if (opcode == 0x1) {
      command(c, payload_);
    } else if (opcode == 0x9) {
      append_server_frame(c.out, 0xA, payload_);
      mark_dirty(c);
    } else if (opcode == 0x8) {
      c.closing = true;
      return 0;
    }
    return header + 4 + length;
  }

  void command(Connection& c, std::string_view json) {
    const std::string_view op = field(json, "op"), ref = field(json, "ref");
    const std::string room(field(json, "room"));
    if (op == "join") {
      rooms_[room].push_back(&c);
      c.rooms.push_back(room);
      send_frame(c, R"({"type":"joined","ref":")" + std::string(ref) + R"(","room":")" + room + R"("})");
    } else if (op == "send") {
      const auto ts = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
      const std::string id = std::to_string(next_id_++);
      event_.clear();
      append_server_frame(event_, 0x1,
                          R"({"type":"message","room":")" + room + R"(","id":")" + id + R"(","ts":)" + std::to_string(ts) +
                              R"(,"from":")" + c.user + R"(","body":")" + std::string(field(json, "body")) + R"("})");
      for (Connection* member : rooms_[room]) {
        member->out += event_;
        mark_dirty(*member);
      }
      send_frame(c, R"({"type":"ack","ref":")" + std::string(ref) + R"(","room":")" + room + R"(","id":")" + id + R"("})");
    }
  }

  // One write() per connection that has something to send.
  void flush() {
    for (std::size_t i = 0; i < dirty_.size(); ++i) {
      Connection& c = *dirty_[i];
      c.dirty = false;
      const ssize_t n = c.out.empty() ? 0 : write(c.fd, c.out.data(), c.out.size());
      if (n < 0 && errno != EAGAIN) {
        close_connection(c);  // takes it out of dirty_
        --i;
        continue;
      }
      if (n > 0) c.out.erase(0, static_cast<std::size_t>(n));
      const bool must_wait = !c.out.empty();
      if (must_wait != c.waiting_out) {
        c.waiting_out = must_wait;
        watch(c.fd, must_wait ? EPOLLIN | EPOLLOUT : EPOLLIN, EPOLL_CTL_MOD);
      }
    }
    dirty_.clear();
  }

  int listener_ = -1;
  int epoll_ = -1;
  std::vector<std::unique_ptr<Connection>> by_fd_;
  std::map<std::string, std::vector<Connection*>, std::less<>> rooms_;
  std::vector<Connection*> dirty_;
  std::string payload_;  // the frame being read, unmasked
  std::string event_;    // the event being fanned out, framed once
  unsigned long long next_id_ = 1;
};

}  // namespace

int main(int argc, char** argv) {
  Server server(argc > 1 ? std::atoi(argv[1]) : 9003);
  std::fprintf(stderr, "ceiling peer listening\n");
  server.run();
}
