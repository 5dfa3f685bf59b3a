#pragma once
// The WebSocket listener's TLS setup (OpenSSL): the certificate chain and
// key read from the configured files, TLS 1.2 or newer, a modern cipher
// list, no renegotiation, and idle buffers given back (an idle connection
// should cost little). reload() re-reads the same files, so a certificate
// renewed in place takes effect on SIGHUP for every handshake after it,
// while connections already up keep the one they started with.

#include <memory>
#include <mutex>
#include <string>

struct ssl_ctx_st;
struct ssl_st;

namespace natter::ws {

struct TlsSettings {
  std::string cert_path;  // PEM: the certificate, then its chain
  std::string key_path;   // PEM: the private key
  int min_version = 0;    // an OpenSSL TLS1_x_VERSION
  std::string ciphers;    // OpenSSL cipher list for TLS 1.2 (1.3 keeps OpenSSL's)
};

class TlsContext {
 public:
  // Throws std::runtime_error naming the file that could not be used and why.
  explicit TlsContext(TlsSettings settings);
  ~TlsContext();

  // Re-reads the files; throws as the constructor does and then keeps what
  // it had. Main thread.
  void reload();
  // A new server-side session for one connection, or nullptr if OpenSSL
  // could not make one; the caller frees it (SSL_free). Any thread.
  ssl_st* new_session() const;
  // "subject, valid until date" of the certificate in use, for the log.
  std::string describe() const;

 private:
  std::shared_ptr<ssl_ctx_st> build() const;

  const TlsSettings settings_;
  mutable std::mutex mutex_;
  std::shared_ptr<ssl_ctx_st> current_;  // guarded by mutex_
};

}  // namespace natter::ws
