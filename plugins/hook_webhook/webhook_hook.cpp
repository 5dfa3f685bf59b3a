#include "webhook_hook.hpp"

#include <charconv>
#include <fstream>

#include <boost/json.hpp>

#include "webhook_post.hpp"

namespace natter::webhook {

namespace {

constexpr natter::ConfigKey kKeys[] = {
    {"url", natter::KeyType::string, nullptr, "Where notifications are POSTed (http:// or https://)"},
    {"secret_file", natter::KeyType::string, nullptr,
     "File whose first line is the secret the X-Natter-Signature HMAC is keyed with"},
    {"debounce_ms", natter::KeyType::integer, "5000",
     "A user's notices within this long of their first go in one POST"},
    {"max_batch", natter::KeyType::integer, "50", "At most this many notices per POST"},
    {"queue_max", natter::KeyType::integer, "10000",
     "Notices kept while the receiver is slow or down; more are dropped (dropped_total)"},
    {"timeout_ms", natter::KeyType::integer, "5000", "How long one POST may take"},
    {"retry_min_ms", natter::KeyType::integer, "500", "First retry after a failed POST, doubling from there"},
    {"retry_max_ms", natter::KeyType::integer, "30000", "The longest wait between retries"},
    {"include_body", natter::KeyType::boolean, "true", "Send the message's text (false: who, where and when only)"},
};

std::int64_t positive(const natter::PluginConfig& config, std::string_view key) {
  const std::int64_t value = config.get_int(key);
  if (value < 1) throw natter::ConfigError(config, key, "must be at least 1");
  return value;
}

std::string read_secret(const natter::PluginConfig& config) {
  const std::string path(config.get_string("secret_file"));
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) throw natter::ConfigError(config, "secret_file", "cannot read '" + path + "'");
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.size() < 16) {
    throw natter::ConfigError(config, "secret_file", "'" + path + "' must hold a secret of at least 16 bytes");
  }
  return line;
}

std::string_view reason_name(natter::NoticeReason reason) {
  return reason == natter::NoticeReason::mention ? "mention" : "direct";
}

}  // namespace

std::span<const natter::ConfigKey> WebhookHook::keys() { return kKeys; }

WebhookHook::WebhookHook(natter::Host& host, const natter::PluginConfig& config)
    : host_(host),
      url_(config.get_string("url")),
      secret_(read_secret(config)),
      debounce_(positive(config, "debounce_ms")),
      timeout_(positive(config, "timeout_ms")),
      retry_min_(positive(config, "retry_min_ms")),
      retry_max_(positive(config, "retry_max_ms")),
      max_batch_(static_cast<std::size_t>(positive(config, "max_batch"))),
      queue_max_(static_cast<std::size_t>(positive(config, "queue_max"))),
      include_body_(config.get_bool("include_body")),
      sent_(host.counter("posts_total", "Notification POSTs the receiver took")),
      notices_sent_(host.counter("notices_total", "Notices delivered in those POSTs")),
      failures_(host.counter("failures_total", "POSTs that failed and will be retried")),
      refused_(host.counter("refused_total", "Batches the receiver refused for good (4xx), dropped")),
      dropped_(host.counter("dropped_total", "Notices dropped because the queue was full")),
      queued_gauge_(host.gauge("queued", "Notices waiting to be sent")) {
  if (!url_.starts_with("http://") && !url_.starts_with("https://")) {
    throw natter::ConfigError(config, "url", "must start with http:// or https:// (got \"" + url_ + "\")");
  }
  if (retry_max_ < retry_min_) throw natter::ConfigError(config, "retry_max_ms", "must not be below retry_min_ms");
}

WebhookHook::~WebhookHook() { stop(); }

bool WebhookHook::start(natter::Diagnostic& error) noexcept {
  try {
    worker_ = std::thread([this] { run(); });
  } catch (const std::exception& e) {
    error.report(std::string("cannot start the webhook thread: ") + e.what());
    return false;
  }
  host_.log(natter::LogLevel::info, "POSTing offline notices to " + url_ + ", a user's within " +
                                        std::to_string(debounce_.count()) + " ms in one");
  return true;
}

void WebhookHook::offline(const natter::OfflineNotice& notice) noexcept { enqueue(notice); }

void WebhookHook::offline(const natter::OfflineNotice& notice, natter::NoticeTaken& done) noexcept {
  if (enqueue(notice)) {
    done.taken({});
  } else {
    done.taken({natter::ErrorCode::unavailable, "the webhook's queue is full (queue_max)"});
  }
}

bool WebhookHook::enqueue(const natter::OfflineNotice& n) noexcept {
  try {
    char id[24];
    const auto end = std::to_chars(id, id + sizeof id, n.message.id).ptr;
    boost::json::object notice{{"reason", reason_name(n.reason)},
                               {"room", n.message.room},
                               {"id", std::string_view(id, static_cast<std::size_t>(end - id))},
                               {"ts", n.message.ts_ms},
                               {"from", n.message.sender}};
    if (include_body_) notice["body"] = n.message.body;
    std::string text = boost::json::serialize(notice);
    std::lock_guard lock(mutex_);
    if (queued_ >= queue_max_) {
      dropped_.add(1);
      return false;
    }
    auto open = open_.find(n.user);
    if (open == open_.end()) {
      open = open_.emplace(std::string(n.user), Batch{std::string(n.user), {}, Clock::now() + debounce_}).first;
    }
    open->second.notices.push_back(std::move(text));
    ++queued_;
    queued_gauge_.set(static_cast<std::int64_t>(queued_));
    if (open->second.notices.size() >= max_batch_) {
      ready_.push_back(std::move(open->second));
      open_.erase(open);
    }
  } catch (...) {
    dropped_.add(1);  // out of memory
    return false;
  }
  wake_.notify_one();
  return true;
}

void WebhookHook::close_windows(Clock::time_point now, bool all) {
  std::vector<Batch> closed;
  for (auto it = open_.begin(); it != open_.end();) {
    if (all || it->second.due <= now) {
      closed.push_back(std::move(it->second));
      it = open_.erase(it);
    } else {
      ++it;
    }
  }
  std::sort(closed.begin(), closed.end(), [](const Batch& a, const Batch& b) { return a.due < b.due; });
  for (auto& batch : closed) ready_.push_back(std::move(batch));
}

std::string WebhookHook::body_of(const Batch& batch) const {
  std::string body = "{\"user\":" + boost::json::serialize(boost::json::value(batch.user)) + ",\"notices\":[";
  for (std::size_t i = 0; i < batch.notices.size(); ++i) body += (i ? "," : "") + batch.notices[i];
  return body + "]}";
}

void WebhookHook::run() {
  WebhookPost post(url_, secret_, timeout_);
  auto backoff = retry_min_;
  auto retry_at = Clock::now();
  std::unique_lock lock(mutex_);
  while (true) {
    const auto now = Clock::now();
    close_windows(now, stopping_);
    if (stopping_ && ready_.empty()) return;
    const bool sendable = !ready_.empty() && (stopping_ || now >= retry_at);
    if (!sendable) {
      auto until = ready_.empty() ? Clock::time_point::max() : retry_at;
      for (const auto& [user, batch] : open_) until = std::min(until, batch.due);
      if (until == Clock::time_point::max()) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, until);
      }
      continue;
    }
    Batch& batch = ready_.front();
    const std::string body = body_of(batch);
    const std::size_t count = batch.notices.size();
    lock.unlock();
    std::string detail;
    const Outcome outcome = post.post(body, detail);
    lock.lock();
    if (outcome == Outcome::retry) {
      failures_.add(1);
      if (stopping_) {
        host_.log(natter::LogLevel::warn, "stopping with " + std::to_string(queued_) +
                                              " offline notices not delivered: " + detail);
        return;
      }
      // Full jitter (a uniform wait up to the backoff), so many nodes that
      // lost one receiver do not all come back at once.
      std::uniform_int_distribution<std::int64_t> jitter(0, backoff.count());
      retry_at = Clock::now() + std::chrono::milliseconds(jitter(random_));
      if (backoff == retry_min_) host_.log(natter::LogLevel::warn, "webhook " + url_ + " failed (" + detail + "); retrying");
      backoff = std::min(retry_max_, backoff * 2);
      continue;
    }
    if (outcome == Outcome::refused) {
      refused_.add(1);
      host_.log(natter::LogLevel::warn, "webhook " + url_ + " refused " + std::to_string(count) +
                                            " notices for " + ready_.front().user + " (" + detail + "); dropped");
    } else {
      sent_.add(1);
      notices_sent_.add(count);
    }
    backoff = retry_min_;
    retry_at = Clock::now();
    ready_.pop_front();
    queued_ -= count;
    queued_gauge_.set(static_cast<std::int64_t>(queued_));
  }
}

void WebhookHook::stop() noexcept {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (worker_.joinable()) worker_.join();
}

}  // namespace natter::webhook
