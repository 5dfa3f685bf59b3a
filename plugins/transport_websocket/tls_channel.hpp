#pragma once
// One connection's TLS session over its non-blocking socket (OpenSSL
// reading and writing the fd itself). The upgrade thread runs the
// handshake and the HTTP upgrade through it, then hands it, with the
// socket, to the connection's I/O thread; one thread at a time uses it.
// Every call returns at once: want_read / want_write say what the socket
// must become before the same call can go on.

#include <cstddef>
#include <string>

struct ssl_st;

namespace natter::ws {

class TlsChannel {
 public:
  enum class Status { done, want_read, want_write, closed, failed };
  struct Io {
    Status status;
    std::size_t bytes = 0;  // moved, when done
  };

  // Owns `ssl` (from TlsContext::new_session()); `fd` stays the caller's.
  TlsChannel(ssl_st* ssl, int fd);
  ~TlsChannel();
  TlsChannel(const TlsChannel&) = delete;
  TlsChannel& operator=(const TlsChannel&) = delete;

  // The server side of the handshake; done once it is complete.
  Status handshake();
  // Decrypted bytes into [into, into+size); closed when the client said
  // close_notify, failed when the connection broke.
  Io read(char* into, std::size_t size);
  // Encrypts and writes from [from, from+size); done with how much went.
  // After want_write, call again with the same bytes first.
  Io write(const char* from, std::size_t size);
  // Says close_notify if the session is still sound; best effort, never waits.
  void close_notify() noexcept;
  // Why the last call failed, for the log.
  const std::string& failure() const noexcept { return failure_; }
  // The handshake failed because the client spoke plain HTTP.
  bool spoke_plain_http() const noexcept { return plain_http_; }

 private:
  Status classify(int result);

  ssl_st* ssl_;
  bool broken_ = false;  // a fatal error: close_notify must not be sent
  bool plain_http_ = false;
  std::string failure_;
};

}  // namespace natter::ws
