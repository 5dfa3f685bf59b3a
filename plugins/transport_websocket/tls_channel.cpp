#include "tls_channel.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <climits>

namespace natter::ws {

TlsChannel::TlsChannel(ssl_st* ssl, int fd) : ssl_(ssl) {
  SSL_set_fd(ssl_, fd);
  SSL_set_accept_state(ssl_);
}

TlsChannel::~TlsChannel() { SSL_free(ssl_); }

TlsChannel::Status TlsChannel::classify(int result) {
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ:
      return Status::want_read;
    case SSL_ERROR_WANT_WRITE:
      return Status::want_write;
    case SSL_ERROR_ZERO_RETURN:
      return Status::closed;
    default:
      break;
  }
  // The error queue is per thread and shared by every connection on it:
  // leave nothing behind for the next one.
  const unsigned long code = ERR_peek_last_error();
  char text[256] = "connection reset or closed without close_notify";
  if (code) ERR_error_string_n(code, text, sizeof text);
  plain_http_ = ERR_GET_REASON(code) == SSL_R_HTTP_REQUEST;
  ERR_clear_error();
  failure_ = text;
  broken_ = true;
  return Status::failed;
}

TlsChannel::Status TlsChannel::handshake() {
  ERR_clear_error();
  const int result = SSL_do_handshake(ssl_);
  return result == 1 ? Status::done : classify(result);
}

TlsChannel::Io TlsChannel::read(char* into, std::size_t size) {
  ERR_clear_error();
  const int result = SSL_read(ssl_, into, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
  if (result > 0) return {Status::done, static_cast<std::size_t>(result)};
  return {classify(result)};
}

TlsChannel::Io TlsChannel::write(const char* from, std::size_t size) {
  ERR_clear_error();
  const int result = SSL_write(ssl_, from, static_cast<int>(std::min<std::size_t>(size, INT_MAX)));
  if (result > 0) return {Status::done, static_cast<std::size_t>(result)};
  return {classify(result)};
}

void TlsChannel::close_notify() noexcept {
  if (broken_ || !SSL_is_init_finished(ssl_)) return;
  ERR_clear_error();
  SSL_shutdown(ssl_);
  ERR_clear_error();
}

}  // namespace natter::ws
