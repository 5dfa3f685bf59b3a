#include "jwt_keys.hpp"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <sstream>

namespace natter::jwt {

namespace {

constexpr std::array<std::pair<std::string_view, Alg>, 9> kAlgs = {{
    {"HS256", Alg::HS256}, {"HS384", Alg::HS384}, {"HS512", Alg::HS512},
    {"RS256", Alg::RS256}, {"RS384", Alg::RS384}, {"RS512", Alg::RS512},
    {"ES256", Alg::ES256}, {"ES384", Alg::ES384}, {"EdDSA", Alg::EdDSA},
}};

std::string read_file(const std::string& path, const std::string& spec) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw KeyError("\"" + spec + "\": cannot read " + path + ": " + std::strerror(errno));
  return std::string(std::istreambuf_iterator<char>(in), {});
}

std::shared_ptr<evp_pkey_st> read_public_key(const std::string& path, const std::string& spec) {
  const std::string pem = read_file(path, spec);
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = bio ? PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  ERR_clear_error();
  if (!key) throw KeyError("\"" + spec + "\": " + path + " holds no PEM public key (BEGIN PUBLIC KEY)");
  return {key, EVP_PKEY_free};
}

}  // namespace

bool is_hmac(Alg a) noexcept { return a == Alg::HS256 || a == Alg::HS384 || a == Alg::HS512; }

std::string unfit(EVP_PKEY* key, Alg alg) {
  switch (alg) {
    case Alg::RS256: case Alg::RS384: case Alg::RS512:
      if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) return "is not an RSA key";
      if (EVP_PKEY_get_bits(key) < 2048) return "is an RSA key of fewer than 2048 bits";
      return {};
    case Alg::ES256: case Alg::ES384: {
      if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC) return "is not an EC key";
      char group[64] = "";
      EVP_PKEY_get_utf8_string_param(key, "group", group, sizeof group, nullptr);
      const std::string_view wanted = alg == Alg::ES256 ? "prime256v1" : "secp384r1";
      if (group != wanted) return "is not on the curve " + std::string(alg == Alg::ES256 ? "P-256" : "P-384");
      return {};
    }
    case Alg::EdDSA:
      return EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? std::string() : "is not an Ed25519 key";
    default:
      return "is a public key, and HMAC needs a secret";
  }
}

bool alg_named(std::string_view name, Alg& alg) noexcept {
  for (const auto& [n, a] : kAlgs) {
    if (n == name) {
      alg = a;
      return true;
    }
  }
  return false;
}

std::string_view alg_name(Alg alg) noexcept {
  for (const auto& [n, a] : kAlgs) {
    if (a == alg) return n;
  }
  return "?";
}

std::vector<Key> read_key_specs(const std::vector<std::string>& specs) {
  std::vector<Key> keys;
  for (const auto& spec : specs) {
    std::istringstream in(spec);
    std::string kid, algs, path, extra;
    in >> kid >> algs >> path;
    if (path.empty() || (in >> extra)) throw KeyError("\"" + spec + "\": write KID ALG[,ALG] PATH");
    Key key{kid, {}, {}, {}};
    std::istringstream names(algs);
    for (std::string name; std::getline(names, name, ',');) {
      Alg alg;
      if (!alg_named(name, alg)) {
        throw KeyError("\"" + spec + "\": no algorithm '" + name +
                       "' (HS256, HS384, HS512, RS256, RS384, RS512, ES256, ES384, EdDSA)");
      }
      if (!key.algs.empty() && is_hmac(alg) != is_hmac(key.algs.front())) {
        throw KeyError("\"" + spec + "\": a key is either an HMAC secret or a public key, not both");
      }
      key.algs.push_back(alg);
    }
    if (is_hmac(key.algs.front())) {
      key.secret = read_file(path, spec);
      if (key.secret.ends_with('\n')) key.secret.pop_back();
      for (const Alg alg : key.algs) {
        const std::size_t least = alg == Alg::HS256 ? 32 : alg == Alg::HS384 ? 48 : 64;
        if (key.secret.size() < least) {
          throw KeyError("\"" + spec + "\": " + std::string(alg_name(alg)) + " needs a secret of at least " +
                         std::to_string(least) + " bytes (" + path + " has " + std::to_string(key.secret.size()) + ")");
        }
      }
    } else {
      key.public_key = read_public_key(path, spec);
      for (const Alg alg : key.algs) {
        if (const std::string why = unfit(key.public_key.get(), alg); !why.empty()) {
          throw KeyError("\"" + spec + "\": " + path + " " + why + ", so it cannot verify " +
                         std::string(alg_name(alg)));
        }
      }
    }
    keys.push_back(std::move(key));
  }
  return keys;
}

KeyRing::KeyRing(std::vector<Key> keys) : keys_(std::move(keys)) {
  for (std::size_t i = 0; i < keys_.size(); ++i) {
    for (std::size_t j = 0; j < i; ++j) {
      if (keys_[i].kid == keys_[j].kid) throw KeyError("key id '" + keys_[i].kid + "' is used twice");
    }
  }
}

const Key* KeyRing::find(std::string_view kid) const noexcept {
  for (const auto& key : keys_) {
    if (key.kid == kid) return &key;
  }
  return nullptr;
}

}  // namespace natter::jwt
