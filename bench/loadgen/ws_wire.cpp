#include "ws_wire.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <cerrno>
#include <cstring>
#include <random>
#include <stdexcept>
#include <vector>

namespace natter::bench {

namespace {

SSL_CTX* tls_client = nullptr;  // set by ws_use_tls()
std::vector<SSL*> tls_by_fd;    // the session on each fd, or null

SSL* tls_of(int fd) { return static_cast<std::size_t>(fd) < tls_by_fd.size() ? tls_by_fd[static_cast<std::size_t>(fd)] : nullptr; }

// Blocking until the fd turns non-blocking in ws_finish_upgrade().
SSL* tls_connect(int fd) {
  SSL* ssl = SSL_new(tls_client);
  SSL_set_fd(ssl, fd);
  if (!ssl || SSL_connect(ssl) != 1) {
    char reason[256] = "TLS handshake failed";
    if (const unsigned long code = ERR_get_error()) ERR_error_string_n(code, reason, sizeof reason);
    SSL_free(ssl);
    throw std::runtime_error(reason);
  }
  if (tls_by_fd.size() <= static_cast<std::size_t>(fd)) tls_by_fd.resize(static_cast<std::size_t>(fd) + 1);
  tls_by_fd[static_cast<std::size_t>(fd)] = ssl;
  return ssl;
}

// A write of the upgrade request, through TLS if the fd has it.
ssize_t raw_or_tls_write(int fd, const char* data, std::size_t size) {
  SSL* ssl = tls_of(fd);
  if (!ssl) return write(fd, data, size);
  const int n = SSL_write(ssl, data, static_cast<int>(size));
  if (n > 0) return n;
  const int error = SSL_get_error(ssl, n);
  errno = error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE ? EAGAIN : EPIPE;
  return -1;
}

}  // namespace

void ws_use_tls() {
  tls_client = SSL_CTX_new(TLS_client_method());
  if (!tls_client) throw std::runtime_error("cannot set up a TLS client");
  SSL_CTX_set_mode(tls_client, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

ssize_t ws_read(int fd, char* into, std::size_t size) {
  SSL* ssl = tls_of(fd);
  if (!ssl) return read(fd, into, size);
  const int n = SSL_read(ssl, into, static_cast<int>(size));
  if (n > 0) return n;
  const int error = SSL_get_error(ssl, n);
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
    errno = EAGAIN;
    return -1;
  }
  return 0;  // closed, or broken
}

int ws_open(const std::string& host, int port, const std::string& path_and_query, const std::string& source_ip) {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  const int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!source_ip.empty()) {
    // Choose the port at connect(), by the whole 4-tuple: bind() alone
    // would need a port free of every socket on that address, TIME_WAIT
    // ones of earlier runs included.
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    sockaddr_in local{};
    local.sin_family = AF_INET;
    inet_pton(AF_INET, source_ip.c_str(), &local.sin_addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) {
      close(fd);
      throw std::runtime_error("bind " + source_ip + ": " + std::strerror(errno));
    }
  }
  sockaddr_in server{};
  server.sin_family = AF_INET;
  server.sin_port = htons(static_cast<std::uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &server.sin_addr);
  if (connect(fd, reinterpret_cast<sockaddr*>(&server), sizeof server) != 0) {
    close(fd);
    throw std::runtime_error(std::string("connect: ") + std::strerror(errno));
  }
  if (tls_client) {
    try {
      tls_connect(fd);
    } catch (...) {
      close(fd);
      throw;
    }
  }
  const std::string request = "GET " + path_and_query + " HTTP/1.1\r\nHost: " + host +
                              "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                              "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                              "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: natter.v1\r\n\r\n";
  if (raw_or_tls_write(fd, request.data(), request.size()) != static_cast<ssize_t>(request.size())) {
    close(fd);
    throw std::runtime_error("handshake write failed");
  }
  return fd;
}

void ws_finish_upgrade(int fd) {
  // Peek until the blank line has arrived, then take exactly the answer,
  // so no frame that follows it is swallowed.
  char answer[4096];
  std::size_t end = 0;
  while (end == 0) {
    SSL* ssl = tls_of(fd);
    const ssize_t n = ssl ? SSL_peek(ssl, answer, sizeof answer) : recv(fd, answer, sizeof answer, MSG_PEEK);
    if (n <= 0) throw std::runtime_error("the server closed during the upgrade");
    const std::string_view seen(answer, static_cast<std::size_t>(n));
    if (const auto blank = seen.find("\r\n\r\n"); blank != std::string_view::npos) {
      end = blank + 4;
    } else if (seen.size() == sizeof answer) {
      throw std::runtime_error("upgrade answer too long");
    }
  }
  if (ws_read(fd, answer, end) != static_cast<ssize_t>(end)) throw std::runtime_error("upgrade read failed");
  const std::string_view response(answer, end);
  if (response.find(" 101 ") == std::string_view::npos) {
    throw std::runtime_error("upgrade refused: " + std::string(response.substr(0, response.find('\r'))));
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

int ws_connect(const std::string& host, int port, const std::string& path_and_query, const std::string& source_ip) {
  const int fd = ws_open(host, port, path_and_query, source_ip);
  try {
    ws_finish_upgrade(fd);
  } catch (...) {
    close(fd);
    throw;
  }
  return fd;
}

void send_all(int fd, const std::string& bytes) {
  std::size_t at = 0;
  while (at < bytes.size()) {
    const ssize_t n = raw_or_tls_write(fd, bytes.data() + at, bytes.size() - at);
    if (n > 0) {
      at += static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EAGAIN) {
      throw std::runtime_error(std::string("write: ") + std::strerror(errno));
    }
  }
}

void append_client_frame(std::string& out, std::string_view payload) {
  thread_local std::minstd_rand random{std::random_device{}()};
  out.push_back(static_cast<char>(0x81));  // FIN, text
  const std::size_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(0x80 | n));
  } else if (n < 65536) {
    out.push_back(static_cast<char>(0x80 | 126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(0x80 | 127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xff));
  }
  const std::uint32_t key = static_cast<std::uint32_t>(random());
  char mask[4];
  std::memcpy(mask, &key, 4);
  out.append(mask, 4);
  for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(payload[i] ^ mask[i & 3]));
}

}  // namespace natter::bench
