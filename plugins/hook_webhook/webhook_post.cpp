#include "webhook_post.hpp"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <stdexcept>

namespace natter::webhook {

std::string signature(std::string_view secret, std::int64_t timestamp, std::string_view body) {
  const std::string signed_text = std::to_string(timestamp) + "." + std::string(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (!HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac, &size)) {
    throw std::runtime_error("HMAC-SHA256 failed");
  }
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out = "sha256=";
  for (unsigned int i = 0; i < size; ++i) {
    out.push_back(kDigits[mac[i] >> 4]);
    out.push_back(kDigits[mac[i] & 0xf]);
  }
  return out;
}

namespace {
std::size_t discard(char*, std::size_t size, std::size_t count, void*) { return size * count; }
}  // namespace

WebhookPost::WebhookPost(std::string url, std::string secret, std::chrono::milliseconds timeout)
    : url_(std::move(url)), secret_(std::move(secret)), timeout_(timeout), curl_(curl_easy_init()) {
  if (!curl_) throw std::runtime_error("curl_easy_init failed");
}

WebhookPost::~WebhookPost() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

Outcome WebhookPost::post(std::string_view body, std::string& detail) {
  CURL* curl = static_cast<CURL*>(curl_);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch()).count();
  curl_slist* headers = nullptr;
  const std::string timestamp = "X-Natter-Timestamp: " + std::to_string(now);
  const std::string signed_by = "X-Natter-Signature: " + signature(secret_, now, body);
  for (const std::string* h : {&timestamp, &signed_by}) headers = curl_slist_append(headers, h->c_str());
  headers = curl_slist_append(headers, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_reset(curl);
  curl_easy_setopt(curl, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout_.count()));
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "natter-webhook/0.1");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &discard);
  const CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(headers);
  if (rc != CURLE_OK) {
    detail = curl_easy_strerror(rc);
    return Outcome::retry;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  if (status >= 200 && status < 300) return Outcome::delivered;
  detail = "HTTP " + std::to_string(status);
  if (status >= 500 || status == 408 || status == 429) return Outcome::retry;
  return Outcome::refused;
}

}  // namespace natter::webhook
