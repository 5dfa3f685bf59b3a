#include "jwks_fetcher.hpp"

#include <algorithm>

#include <curl/curl.h>
#include <pthread.h>

namespace natter::jwt {

namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kMaxBody = 1 << 20;  // no key set is this big
constexpr std::chrono::seconds kFirstRetry{5};

bool loopback_host(std::string_view url) {
  const auto start = url.find("://") + 3;
  const std::string_view rest = url.substr(start);
  for (const std::string_view host : {"127.0.0.1", "localhost", "[::1]"}) {
    if (rest.starts_with(host) && (rest.size() == host.size() || rest[host.size()] == ':' ||
                                   rest[host.size()] == '/')) {
      return true;
    }
  }
  return false;
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* out) {
  auto& body = *static_cast<std::string*>(out);
  if (body.size() + size * count > kMaxBody) return 0;  // curl then fails the transfer
  body.append(data, size * count);
  return size * count;
}

}  // namespace

JwksFetcher::JwksFetcher(Settings settings, natter::Host& host, Install install)
    : settings_(std::move(settings)),
      host_(host),
      install_(std::move(install)),
      fetched_(host.counter("jwks_fetches_total", "Key sets fetched from jwks_url and installed")),
      failed_(host.counter("jwks_failures_total", "Fetches of jwks_url that failed or held no usable key set")) {
  const std::string& url = settings_.url;
  if (!url.starts_with("https://") && !(url.starts_with("http://") && loopback_host(url))) {
    throw std::invalid_argument("'" + url + "': keys are fetched over https (plain http only from a loopback host)");
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
}

JwksFetcher::~JwksFetcher() { stop(); }

void JwksFetcher::start() {
  thread_ = std::thread([this] { run(); });
}

bool JwksFetcher::fetch_for_unknown_kid(std::function<void()> then) {
  {
    std::lock_guard lock(mutex_);
    const auto now = Clock::now();
    if (stopping_ || (asked_by_kid_ != Clock::time_point{} && now - asked_by_kid_ < settings_.min_interval)) {
      return false;
    }
    asked_by_kid_ = now;
    wanted_ = true;
    waiting_.push_back(std::move(then));
  }
  wake_.notify_one();
  return true;
}

void JwksFetcher::fetch_soon() {
  {
    std::lock_guard lock(mutex_);
    wanted_ = true;
  }
  wake_.notify_one();
}

void JwksFetcher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void JwksFetcher::run() {
  pthread_setname_np(pthread_self(), "jwt-jwks");
  std::chrono::seconds retry = kFirstRetry;
  for (;;) {
    std::vector<std::function<void()>> waiting;
    {
      std::unique_lock lock(mutex_);
      if (stopping_) break;
      wanted_ = false;
    }
    const bool ok = fetch_once();
    {
      std::lock_guard lock(mutex_);
      waiting.swap(waiting_);
    }
    for (auto& then : waiting) then();
    const auto pause = ok ? settings_.refresh : std::min<std::chrono::seconds>(retry, settings_.refresh);
    retry = ok ? kFirstRetry : std::min<std::chrono::seconds>(retry * 2, settings_.refresh);
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, pause, [&] { return stopping_ || wanted_; });
  }
  std::vector<std::function<void()>> waiting;
  {
    std::lock_guard lock(mutex_);
    waiting.swap(waiting_);
  }
  for (auto& then : waiting) then();
}

bool JwksFetcher::fetch_once() {
  std::string why;
  try {
    JwksKeys fetched = read_jwks(get(settings_, settings_.url), settings_.url, false);
    for (const std::string& skipped : fetched.skipped) host_.log(natter::LogLevel::info, "skipped " + skipped);
    const std::size_t count = fetched.keys.size();
    if (install_(std::move(fetched.keys), why)) {
      fetched_.add(1);
      host_.log(natter::LogLevel::debug, std::to_string(count) + " keys from " + settings_.url);
      return true;
    }
  } catch (const std::exception& e) {
    why = e.what();
  }
  failed_.add(1);
  host_.log(natter::LogLevel::warn, "keys from " + settings_.url + " not updated: " + why);
  return false;
}

std::string JwksFetcher::get(const Settings& settings, const std::string& url) {
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) throw std::runtime_error("cannot make a libcurl handle");
  std::string body;
  char error[CURL_ERROR_SIZE] = "";
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(settings.timeout.count()));
  curl_easy_setopt(c, CURLOPT_USERAGENT, "natter auth_jwt");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  if (!settings.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, settings.ca_file.c_str());
  const CURLcode result = curl_easy_perform(c);
  if (result != CURLE_OK) {
    if (result == CURLE_WRITE_ERROR) throw std::runtime_error("the key set is larger than 1 MiB");
    throw std::runtime_error(error[0] ? error : curl_easy_strerror(result));
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) throw std::runtime_error("HTTP status " + std::to_string(status));
  return body;
}

}  // namespace natter::jwt
