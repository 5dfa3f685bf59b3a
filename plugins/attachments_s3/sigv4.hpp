#pragma once
// AWS Signature Version 4 (docs.aws.amazon.com, "Signature Version 4
// signing process"), for presigned URLs: the signature travels in the
// query string, so whoever holds the URL may make that one request until
// it expires. Hashes and HMACs are OpenSSL's. Pure functions; any thread.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace natter::s3 {

using Pairs = std::vector<std::pair<std::string, std::string>>;

// RFC 3986 percent-encoding as SigV4 wants it: everything but A-Z a-z 0-9
// - . _ ~ (and '/' unless encode_slash), with upper-case hex digits.
std::string uri_encode(std::string_view text, bool encode_slash);

std::string sha256_hex(std::string_view data);

// A request as SigV4 canonicalises it. `path` and the query's names and
// values are as a client would write them before encoding; headers by any
// case, with the values they will be sent with.
struct Request {
  std::string method;
  std::string path;  // "/bucket/key" or "/key"; encoded once, '/' kept
  Pairs query;
  Pairs headers;
  std::string payload_hash;  // hex SHA-256 of the body, or "UNSIGNED-PAYLOAD"
};

struct Credentials {
  std::string access_key_id, secret_access_key;
  std::string session_token;  // temporary credentials only
};

// Where and when a signature holds.
struct Scope {
  std::string amz_date;  // "20130524T000000Z", UTC
  std::string region;    // "us-east-1"
  std::string service;   // "s3"
  std::string date() const { return amz_date.substr(0, 8); }
  std::string text() const { return date() + "/" + region + "/" + service + "/aws4_request"; }
};

std::string canonical_request(const Request& request);
std::string signed_header_names(const Pairs& headers);  // "content-type;host"
std::string string_to_sign(const Scope& scope, std::string_view canonical_request);
// Hex HMAC-SHA256 of `string_to_sign` under the key derived from `secret`.
std::string signature(std::string_view secret, const Scope& scope, std::string_view string_to_sign);

// `request` (its headers must include host) with the X-Amz-* query
// parameters of a presigned URL added, the signature last; the result is
// the query string to append after '?'.
std::string presigned_query(Request request, const Credentials& credentials, const Scope& scope,
                            std::uint32_t expires_s);

// "20130524T000000Z" for Unix time `seconds`.
std::string amz_date(std::int64_t seconds);

}  // namespace natter::s3
