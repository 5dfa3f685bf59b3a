#pragma once
// The keys tokens may be signed with, each under a key id (`kid`) and
// pinned to the algorithms it may be used with, read from files:
//
//   "main RS256 /etc/natter/jwt/main.pub.pem"      an RSA public key (PEM)
//   "edge ES256 /etc/natter/jwt/edge.pub.pem"      EC P-256 (ES384: P-384)
//   "ed EdDSA /etc/natter/jwt/ed.pub.pem"          Ed25519
//   "shared HS256,HS512 /etc/natter/jwt/secret"    an HMAC secret: the file's bytes
//
// A key's algorithms must fit its type (an RSA key can never verify HS256,
// which closes the "public key as HMAC secret" hole); RSA keys have at
// least 2048 bits, HMAC secrets at least as many bytes as their hash.
// Immutable once read: any thread.

#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct evp_pkey_st;

namespace natter::jwt {

enum class Alg { HS256, HS384, HS512, RS256, RS384, RS512, ES256, ES384, EdDSA };

// The algorithm named `name` in a JOSE header, if natter supports it.
bool alg_named(std::string_view name, Alg& alg) noexcept;
std::string_view alg_name(Alg alg) noexcept;

struct Key {
  std::string kid;
  std::vector<Alg> algs;
  std::string secret;                    // HS*
  std::shared_ptr<evp_pkey_st> public_key;  // RS*, ES*, EdDSA
};

class KeyError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Reads every spec ("KID ALG[,ALG...] PATH"); throws KeyError naming the
// spec and what is wrong.
std::vector<Key> read_key_specs(const std::vector<std::string>& specs);

// Whether `key` can verify with `alg`: empty if so, else why not ("is not
// an RSA key"). Public keys only.
std::string unfit(evp_pkey_st* key, Alg alg);
bool is_hmac(Alg alg) noexcept;

class KeyRing {
 public:
  // Throws KeyError if two keys share a kid.
  explicit KeyRing(std::vector<Key> keys);
  explicit KeyRing(const std::vector<std::string>& specs) : KeyRing(read_key_specs(specs)) {}

  // The key with id `kid`, or nullptr.
  const Key* find(std::string_view kid) const noexcept;
  // The only key, when there is one: tokens without a kid may use it.
  const Key* only() const noexcept { return keys_.size() == 1 ? &keys_.front() : nullptr; }
  std::size_t size() const noexcept { return keys_.size(); }

 private:
  std::vector<Key> keys_;
};

}  // namespace natter::jwt
