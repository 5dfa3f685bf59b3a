#pragma once
// auth_jwt: a client is who its bearer token (?token= or Authorization:
// Bearer, from the handshake) says it is, if the token verifies against
// the configured keys and claim rules (jwt_verifier.hpp). Decides inline,
// on the calling thread. The session ends (4001) when the token expires.
// Keys are re-read on SIGHUP (natter::Reloadable); broken key files keep
// the keys in use.

#include <atomic>
#include <memory>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "jwt_keys.hpp"
#include "jwt_verifier.hpp"

namespace natter::jwt {

class JwtAuth final : public natter::Authenticator, public natter::Reloadable {
 public:
  JwtAuth(natter::Host& host, const natter::PluginConfig& config);

  bool start(natter::Diagnostic& error) noexcept override;
  void authenticate(const natter::ConnectInfo& info, natter::AuthDone& done) noexcept override;
  void stop() noexcept override {}
  bool reload(natter::Diagnostic& error) noexcept override;

  static std::span<const natter::ConfigKey> keys();

 private:
  natter::Host& host_;
  std::vector<std::string> specs_;
  ClaimRules rules_;
  std::atomic<std::shared_ptr<const KeyRing>> keys_;
  natter::Counter& refused_;
};

}  // namespace natter::jwt
