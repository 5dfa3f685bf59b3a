#pragma once
// auth_jwt: a client is who its bearer token (?token= or Authorization:
// Bearer, from the handshake) says it is, if the token verifies against
// the configured keys and claim rules (jwt_verifier.hpp). Keys come from
// PEM and secret files (`keys`), a JWK set file (`jwks_file`) and an
// identity provider's JWK set URL (`jwks_url`, jwks_fetcher.hpp). Decides
// inline on the calling thread, except for a token whose kid no key has
// while a fetch of the URL may bring it: that one is decided on the
// fetcher's thread after the fetch. The session ends (4001) when the
// token expires. Files are re-read, and the URL fetched, on SIGHUP
// (natter::Reloadable); broken files keep the keys in use.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "jwks_fetcher.hpp"
#include "jwt_keys.hpp"
#include "jwt_verifier.hpp"

namespace natter::jwt {

class JwtAuth final : public natter::Authenticator, public natter::Reloadable {
 public:
  JwtAuth(natter::Host& host, const natter::PluginConfig& config);

  bool start(natter::Diagnostic& error) noexcept override;
  void authenticate(const natter::ConnectInfo& info, natter::AuthDone& done) noexcept override;
  void stop() noexcept override;
  bool reload(natter::Diagnostic& error) noexcept override;

  static std::span<const natter::ConfigKey> keys();

 private:
  // The keys from files: `keys` and `jwks_file`. Throws KeyError.
  std::vector<Key> read_files() const;
  // Puts the files' and the URL's keys together as the ring in use; false
  // (with why) keeps the old ring. Any thread.
  bool install(std::vector<Key> from_files, std::vector<Key> from_url, std::string& why);
  // Verifies `token` and completes `done`. Any thread.
  void decide(std::string_view token, std::string_view remote, natter::AuthDone& done, bool may_fetch) noexcept;

  natter::Host& host_;
  std::vector<std::string> specs_;
  std::string jwks_file_;
  ClaimRules rules_;
  std::vector<std::string> create_room_roles_;  // empty: everyone may
  std::atomic<std::shared_ptr<const KeyRing>> keys_;
  natter::Counter& refused_;
  std::mutex install_mutex_;       // serialises install(); guards the two below
  std::vector<Key> file_keys_;     // as last read
  std::vector<Key> url_keys_;      // as last fetched
  std::unique_ptr<JwksFetcher> fetcher_;  // with jwks_url only
};

}  // namespace natter::jwt
