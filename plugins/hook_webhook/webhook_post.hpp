#pragma once
// One signed webhook POST, made with libcurl: the JSON body, a timestamp,
// and an HMAC-SHA256 of "<timestamp>.<body>" under the shared secret, so
// the receiver can tell the request came from natterd and is not replayed
// (it rejects old timestamps). One instance per thread.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace natter::webhook {

// "sha256=<hex>" for `body` sent at Unix time `timestamp`.
std::string signature(std::string_view secret, std::int64_t timestamp, std::string_view body);

// What became of one POST.
enum class Outcome {
  delivered,  // a 2xx answer
  retry,      // no answer, 5xx, 408 or 429: try again later
  refused,    // any other answer: the receiver will never take it
};

class WebhookPost {
 public:
  WebhookPost(std::string url, std::string secret, std::chrono::milliseconds timeout);
  ~WebhookPost();
  WebhookPost(const WebhookPost&) = delete;
  WebhookPost& operator=(const WebhookPost&) = delete;

  // Blocks up to the timeout. `detail` says what went wrong, if anything.
  Outcome post(std::string_view body, std::string& detail);

 private:
  std::string url_, secret_;
  std::chrono::milliseconds timeout_;
  void* curl_;  // CURL*
};

}  // namespace natter::webhook
