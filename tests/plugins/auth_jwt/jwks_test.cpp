// What a JWK set may hold, and what each broken one is told.
#include "jwks.hpp"

#include <gtest/gtest.h>

namespace natter::jwt {
namespace {

// RFC 8037, A.2: an Ed25519 public key.
constexpr std::string_view kEdX = "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo";

std::string set_of(std::string_view keys) { return "{\"keys\":[" + std::string(keys) + "]}"; }

std::string refusal(std::string_view json, bool allow_secrets = false) {
  try {
    read_jwks(json, "jwks.json", allow_secrets);
  } catch (const KeyError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(Jwks, ReadsAnEd25519KeyPinnedToEdDSA) {
  const auto read = read_jwks(set_of(R"({"kty":"OKP","crv":"Ed25519","kid":"ed","x":")" + std::string(kEdX) + "\"}"),
                              "jwks.json", false);
  ASSERT_EQ(read.keys.size(), 1u);
  EXPECT_EQ(read.keys[0].kid, "ed");
  EXPECT_EQ(read.keys[0].algs, std::vector<Alg>{Alg::EdDSA});
  EXPECT_TRUE(read.skipped.empty());
}

TEST(Jwks, SkipsWhatItCannotUseAndSaysWhy) {
  const auto read = read_jwks(
      set_of(R"({"kty":"OKP","crv":"Ed25519","x":"AA"},)"
             R"({"kty":"OKP","crv":"Ed25519","kid":"enc","use":"enc","x":"AA"},)"
             R"({"kty":"OKP","crv":"X25519","kid":"x","x":"AA"},)"
             R"({"kty":"oct","kid":"secret","k":"AAAA"},)"
             R"({"kty":"OKP","crv":"Ed25519","kid":"later","alg":"ES512","x":")" + std::string(kEdX) + "\"}"),
      "jwks.json", false);
  EXPECT_TRUE(read.keys.empty());
  const std::vector<std::string> expected = {
      "jwks.json: key 0: no kid",
      "jwks.json: key 'enc': for use 'enc', not signatures",
      "jwks.json: key 'x': kty 'OKP' crv 'X25519' is not one natter verifies with",
      "jwks.json: key 'secret': a secret (oct) has no place in a key set fetched over the network",
      "jwks.json: key 'later': alg 'ES512' is not one natter verifies with",
  };
  EXPECT_EQ(read.skipped, expected);
}

TEST(Jwks, RefusesWhatIsNotAKeySet) {
  EXPECT_EQ(refusal("<html>"), "jwks.json: not JSON (syntax error)");
  EXPECT_EQ(refusal(R"({"key":[]})"), "jwks.json: no \"keys\" array, so not a JWK set");
  EXPECT_EQ(refusal(R"({"keys":[1]})"), "jwks.json: key 0 is not an object");
}

TEST(Jwks, RefusesBrokenKeys) {
  EXPECT_EQ(refusal(set_of(R"({"kty":"OKP","crv":"Ed25519","kid":"ed","x":"**"})")),
            "jwks.json: key 'ed': 'x' is not base64url");
  EXPECT_EQ(refusal(set_of(R"({"kty":"EC","crv":"P-256","kid":"ec","x":"AAAA","y":"AAAA"})")),
            "jwks.json: key 'ec': x and y must have 32 bytes each");
  EXPECT_EQ(refusal(set_of(R"({"kty":"OKP","crv":"Ed25519","kid":"ed","alg":"RS256","x":")" + std::string(kEdX) +
                           "\"}")),
            "jwks.json: key 'ed': alg RS256 does not fit a key of type OKP");
  EXPECT_EQ(refusal(set_of(R"({"kty":"oct","kid":"short","k":"AAAA"})"), true),
            "jwks.json: key 'short': an HMAC secret needs at least 32 bytes");
}

}  // namespace
}  // namespace natter::jwt
