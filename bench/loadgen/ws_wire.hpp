#pragma once
// The least WebSocket a load generator needs, for speed: a blocking
// upgrade, masked client text frames, and a parser that walks every
// complete server frame in a buffer (so one read() can yield hundreds).
// With ws_use_tls() every connection opened after it speaks TLS (wss://;
// the server's certificate is not checked: a benchmark's own self-signed).

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>

namespace natter::bench {

// From now on, connections are TLS clients. Throws std::runtime_error.
void ws_use_tls();

// Connects to host:port from `source_ip` (may be empty) and sends the
// upgrade request for `path_and_query` with subprotocol natter.v1; returns
// the blocking fd. Throws std::runtime_error.
int ws_open(const std::string& host, int port, const std::string& path_and_query,
            const std::string& source_ip = {});
// Reads the upgrade's answer on an fd from ws_open(), leaving any frame
// behind it unread, and makes the fd non-blocking. Throws std::runtime_error.
void ws_finish_upgrade(int fd);
// Both of the above, one after the other.
int ws_connect(const std::string& host, int port, const std::string& path_and_query,
               const std::string& source_ip = {});

// read(2) of the WebSocket bytes on `fd`, decrypted on TLS: -1 with
// errno EAGAIN when there is nothing more for now, 0 when closed.
ssize_t ws_read(int fd, char* into, std::size_t size);

// Writes all of `bytes` to `fd`, retrying while a non-blocking socket is
// full. Throws std::runtime_error.
void send_all(int fd, const std::string& bytes);

// Appends one masked text frame carrying `payload` to `out`.
void append_client_frame(std::string& out, std::string_view payload);

// Calls on_frame(opcode, payload) for each complete frame at the front of
// [data, data+size); returns how many bytes were consumed.
template <class OnFrame>
std::size_t for_each_frame(const char* data, std::size_t size, OnFrame&& on_frame) {
  std::size_t at = 0;
  while (size - at >= 2) {
    const auto* p = reinterpret_cast<const unsigned char*>(data + at);
    const int opcode = p[0] & 0x0f;
    std::uint64_t length = p[1] & 0x7f;
    std::size_t header = 2;
    if (length == 126) {
      if (size - at < 4) break;
      length = (std::uint64_t{p[2]} << 8) | p[3];
      header = 4;
    } else if (length == 127) {
      if (size - at < 10) break;
      length = 0;
      for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
      header = 10;
    }
    if (size - at < header + length) break;
    on_frame(opcode, std::string_view(data + at + header, static_cast<std::size_t>(length)));
    at += header + static_cast<std::size_t>(length);
  }
  return at;
}

}  // namespace natter::bench
