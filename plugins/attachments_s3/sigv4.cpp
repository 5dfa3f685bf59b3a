#include "sigv4.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <ctime>
#include <stdexcept>

namespace natter::s3 {

namespace {

std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(2 * size);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[bytes[i] >> 4]);
    out.push_back(kDigits[bytes[i] & 0xf]);
  }
  return out;
}

std::string hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out, &size)) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  return std::string(reinterpret_cast<const char*>(out), size);
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// A header value as SigV4 signs it: trimmed, inner runs of spaces as one.
std::string trimmed(std::string_view value) {
  std::string out;
  bool space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

Pairs canonical_headers(const Pairs& headers) {
  Pairs out;
  for (const auto& [name, value] : headers) out.emplace_back(lower(name), trimmed(value));
  std::sort(out.begin(), out.end());
  // Repeated names join their values with commas, in the order sent.
  Pairs joined;
  for (auto& [name, value] : out) {
    if (!joined.empty() && joined.back().first == name) {
      joined.back().second += "," + value;
    } else {
      joined.emplace_back(std::move(name), std::move(value));
    }
  }
  return joined;
}

std::string canonical_query(const Pairs& query) {
  Pairs encoded;
  for (const auto& [name, value] : query) encoded.emplace_back(uri_encode(name, true), uri_encode(value, true));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name + "=" + value;
  }
  return out;
}

}  // namespace

std::string uri_encode(std::string_view text, bool encode_slash) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        c == '_' || c == '~' || (c == '/' && !encode_slash)) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kDigits[c >> 4]);
      out.push_back(kDigits[c & 0xf]);
    }
  }
  return out;
}

std::string sha256_hex(std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!EVP_Digest(data.data(), data.size(), out, &size, EVP_sha256(), nullptr)) {
    throw std::runtime_error("SHA-256 failed");
  }
  return hex(out, size);
}

std::string signed_header_names(const Pairs& headers) {
  std::string out;
  for (const auto& [name, value] : canonical_headers(headers)) {
    if (!out.empty()) out += ';';
    out += name;
  }
  return out;
}

std::string canonical_request(const Request& r) {
  std::string out = r.method + "\n" + uri_encode(r.path.empty() ? "/" : r.path, false) + "\n" +
                    canonical_query(r.query) + "\n";
  for (const auto& [name, value] : canonical_headers(r.headers)) out += name + ":" + value + "\n";
  return out + "\n" + signed_header_names(r.headers) + "\n" + r.payload_hash;
}

std::string string_to_sign(const Scope& scope, std::string_view canonical) {
  return "AWS4-HMAC-SHA256\n" + scope.amz_date + "\n" + scope.text() + "\n" + sha256_hex(canonical);
}

std::string signature(std::string_view secret, const Scope& scope, std::string_view to_sign) {
  const std::string date_key = hmac("AWS4" + std::string(secret), scope.date());
  const std::string region_key = hmac(date_key, scope.region);
  const std::string service_key = hmac(region_key, scope.service);
  const std::string signing_key = hmac(service_key, "aws4_request");
  const std::string mac = hmac(signing_key, to_sign);
  return hex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
}

std::string presigned_query(Request request, const Credentials& credentials, const Scope& scope,
                            std::uint32_t expires_s) {
  request.query.emplace_back("X-Amz-Algorithm", "AWS4-HMAC-SHA256");
  request.query.emplace_back("X-Amz-Credential", credentials.access_key_id + "/" + scope.text());
  request.query.emplace_back("X-Amz-Date", scope.amz_date);
  request.query.emplace_back("X-Amz-Expires", std::to_string(expires_s));
  if (!credentials.session_token.empty()) request.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  request.query.emplace_back("X-Amz-SignedHeaders", signed_header_names(request.headers));
  const std::string sig =
      signature(credentials.secret_access_key, scope, string_to_sign(scope, canonical_request(request)));
  return canonical_query(request.query) + "&X-Amz-Signature=" + sig;
}

std::string amz_date(std::int64_t seconds) {
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char text[17];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

}  // namespace natter::s3
