// Bearer tokens as clients send them at the handshake: anything at all.
// Half the inputs go in as whole tokens: verification never crashes, and
// nothing the fuzzer makes up verifies against a secret it does not know
// (that would be a forgery). The other half go in as a token's claims,
// signed with the harness's own key, so the claim checks behind the
// signature are fuzzed too.
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "jwt_verifier.hpp"

namespace {

const std::string kSecret(64, 's');

const natter::jwt::KeyRing& keys() {
  static const auto ring = [] {
    const std::string path = "/tmp/natter-fuzz-jwt-secret-" + std::to_string(getpid());
    std::ofstream(path) << kSecret;
    auto made = std::make_unique<natter::jwt::KeyRing>(std::vector<std::string>{"hs HS256,HS384,HS512 " + path});
    std::remove(path.c_str());
    return made;
  }();
  return *ring;
}

std::string base64url(std::string_view bytes) {
  static const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (const char c : bytes) {
    bits = (bits << 8) | static_cast<unsigned char>(c);
    count += 8;
    while (count >= 6) {
      count -= 6;
      out.push_back(alphabet[(bits >> count) & 63]);
    }
  }
  if (count > 0) out.push_back(alphabet[(bits << (6 - count)) & 63]);
  return out;
}

// `claims`, signed with the harness's key as an HS256 token.
std::string signed_token(std::string_view claims) {
  std::string token = base64url(R"({"alg":"HS256","kid":"hs"})") + "." + base64url(claims);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), kSecret.data(), static_cast<int>(kSecret.size()),
       reinterpret_cast<const unsigned char*>(token.data()), token.size(), mac, &size);
  return token + "." + base64url(std::string_view(reinterpret_cast<const char*>(mac), size));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  const natter::jwt::ClaimRules rules{"https://id.example", {"natter"}, 30, true, 64};
  constexpr std::int64_t kNow = 1'800'000'000;
  if (data[0] & 1) {
    natter::jwt::verify_token(signed_token(rest), keys(), rules, kNow);
    return 0;
  }
  if (natter::jwt::verify_token(rest, keys(), rules, kNow).ok) __builtin_trap();  // forged
  return 0;
}
