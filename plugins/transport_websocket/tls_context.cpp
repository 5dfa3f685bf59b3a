#include "tls_context.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace natter::ws {

namespace {

// OpenSSL's reason for the last failure on this thread, and a clean queue.
std::string openssl_reason() {
  const unsigned long code = ERR_peek_last_error();
  char text[256] = "unknown OpenSSL error";
  if (code) ERR_error_string_n(code, text, sizeof text);
  ERR_clear_error();
  return text;
}

void require_readable(const std::string& path, const char* what) {
  if (::access(path.c_str(), R_OK) != 0) {
    throw std::runtime_error(std::string("cannot read the TLS ") + what + " " + path + ": " + std::strerror(errno));
  }
}

}  // namespace

TlsContext::TlsContext(TlsSettings settings) : settings_(std::move(settings)), current_(build()) {}

TlsContext::~TlsContext() = default;

std::shared_ptr<ssl_ctx_st> TlsContext::build() const {
  require_readable(settings_.cert_path, "certificate");
  require_readable(settings_.key_path, "key");
  ERR_clear_error();
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_server_method()), SSL_CTX_free);
  if (!ctx) throw std::runtime_error("cannot set up TLS: " + openssl_reason());
  SSL_CTX_set_min_proto_version(ctx.get(), settings_.min_version);
  SSL_CTX_set_options(ctx.get(), SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_NO_COMPRESSION);
  // Partial writes let a connection write what the socket takes and keep
  // the rest; released buffers keep an idle connection small.
  SSL_CTX_set_mode(ctx.get(),
                   SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER | SSL_MODE_RELEASE_BUFFERS);
  // Resumption by stateless tickets only: a server-side cache would keep
  // a session for every client that ever connected.
  SSL_CTX_set_session_cache_mode(ctx.get(), SSL_SESS_CACHE_OFF);
  if (SSL_CTX_set_cipher_list(ctx.get(), settings_.ciphers.c_str()) != 1) {
    throw std::runtime_error("no usable cipher in '" + settings_.ciphers + "': " + openssl_reason());
  }
  if (SSL_CTX_use_certificate_chain_file(ctx.get(), settings_.cert_path.c_str()) != 1) {
    throw std::runtime_error("cannot use the TLS certificate " + settings_.cert_path + ": " + openssl_reason());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx.get(), settings_.key_path.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("cannot use the TLS key " + settings_.key_path + ": " + openssl_reason());
  }
  if (SSL_CTX_check_private_key(ctx.get()) != 1) {
    throw std::runtime_error("the TLS key " + settings_.key_path + " does not belong to the certificate " +
                             settings_.cert_path + ": " + openssl_reason());
  }
  return ctx;
}

void TlsContext::reload() {
  auto fresh = build();
  std::lock_guard lock(mutex_);
  current_ = std::move(fresh);
}

ssl_st* TlsContext::new_session() const {
  std::shared_ptr<SSL_CTX> ctx;
  {
    std::lock_guard lock(mutex_);
    ctx = current_;
  }
  SSL* ssl = SSL_new(ctx.get());  // holds its own reference to ctx
  ERR_clear_error();
  return ssl;
}

std::string TlsContext::describe() const {
  std::lock_guard lock(mutex_);
  X509* cert = SSL_CTX_get0_certificate(current_.get());
  if (!cert) return "no certificate";
  char subject[256] = "";
  X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof subject);
  std::string out = subject;
  if (BIO* bio = BIO_new(BIO_s_mem())) {
    if (ASN1_TIME_print(bio, X509_get0_notAfter(cert)) == 1) {
      char* data = nullptr;
      const long size = BIO_get_mem_data(bio, &data);
      out += ", valid until " + std::string(data, static_cast<std::size_t>(size));
    }
    BIO_free(bio);
  }
  return out;
}

}  // namespace natter::ws
