// Signature V4 against the examples AWS publishes: the SigV4 test suite's
// requests and the S3 guide's header-signed and presigned GETs.
#include "sigv4.hpp"

#include <gtest/gtest.h>

namespace natter::s3 {
namespace {

constexpr const char* kSuiteSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
constexpr const char* kS3Secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
constexpr const char* kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string sign(const Request& r, const char* secret, const Scope& scope) {
  return signature(secret, scope, string_to_sign(scope, canonical_request(r)));
}

// aws-sig-v4-test-suite/get-vanilla
TEST(SigV4, SuiteGetVanilla) {
  const Request r{"GET", "/", {}, {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}}, kEmptyHash};
  EXPECT_EQ(canonical_request(r),
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n" +
                std::string(kEmptyHash));
  const Scope scope{"20150830T123600Z", "us-east-1", "service"};
  EXPECT_EQ(string_to_sign(scope, canonical_request(r)),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  EXPECT_EQ(sign(r, kSuiteSecret, scope), "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

// aws-sig-v4-test-suite/get-vanilla-query-order-key-case: the query is
// sorted by name.
TEST(SigV4, SuiteQueryOrder) {
  const Request r{"GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}},
                  {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}}, kEmptyHash};
  EXPECT_EQ(sign(r, kSuiteSecret, {"20150830T123600Z", "us-east-1", "service"}),
            "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

// S3 guide, "Signature calculations for the Authorization header": GET Object.
TEST(SigV4, S3GetObjectWithHeaders) {
  const Request r{"GET",
                  "/test.txt",
                  {},
                  {{"Host", "examplebucket.s3.amazonaws.com"},
                   {"Range", "bytes=0-9"},
                   {"x-amz-content-sha256", kEmptyHash},
                   {"x-amz-date", "20130524T000000Z"}},
                  kEmptyHash};
  EXPECT_EQ(signed_header_names(r.headers), "host;range;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(sign(r, kS3Secret, {"20130524T000000Z", "us-east-1", "s3"}),
            "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

// S3 guide, "Authenticating requests: using query parameters": the
// presigned GET of examplebucket/test.txt for a day.
TEST(SigV4, S3PresignedGet) {
  const std::string query =
      presigned_query({"GET", "/test.txt", {}, {{"host", "examplebucket.s3.amazonaws.com"}}, "UNSIGNED-PAYLOAD"},
                      {"AKIAIOSFODNN7EXAMPLE", kS3Secret, ""}, {"20130524T000000Z", "us-east-1", "s3"}, 86400);
  EXPECT_EQ(query,
            "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2F"
            "aws4_request&X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host"
            "&X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404");
}

TEST(SigV4, SessionTokenIsSignedInTheQuery) {
  const Request r{"GET", "/k", {}, {{"host", "h"}}, "UNSIGNED-PAYLOAD"};
  const Scope scope{"20130524T000000Z", "us-east-1", "s3"};
  const std::string with = presigned_query(r, {"AK", "SK", "tok/en"}, scope, 60);
  const std::string without = presigned_query(r, {"AK", "SK", ""}, scope, 60);
  EXPECT_NE(with.find("X-Amz-Security-Token=tok%2Fen&"), std::string::npos) << with;
  EXPECT_NE(with.substr(with.rfind('=')), without.substr(without.rfind('=')));
}

TEST(SigV4, UriEncodingKeepsOnlyUnreservedCharacters) {
  EXPECT_EQ(uri_encode("a-b_c.d~e", true), "a-b_c.d~e");
  EXPECT_EQ(uri_encode("a b/c+d=é", true), "a%20b%2Fc%2Bd%3D%C3%A9");
  EXPECT_EQ(uri_encode("/a b/c", false), "/a%20b/c");
}

TEST(SigV4, HeaderValuesAreTrimmedAndNamesLowered) {
  const Request r{"PUT", "/", {}, {{"Content-Type", "  image/png  "}, {"X-Multi", "a   b"}}, "UNSIGNED-PAYLOAD"};
  EXPECT_NE(canonical_request(r).find("content-type:image/png\nx-multi:a b\n"), std::string::npos);
}

TEST(SigV4, AmzDateIsUtc) {
  EXPECT_EQ(amz_date(1369353600), "20130524T000000Z");
  EXPECT_EQ(amz_date(1441017396), "20150831T103636Z");
}

}  // namespace
}  // namespace natter::s3
