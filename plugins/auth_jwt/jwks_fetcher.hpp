#pragma once
// The key set an identity provider publishes at a URL, kept fresh by a
// thread of this class (libcurl; never an I/O thread or the broker loop):
// fetched at start, then every `refresh`, again on demand when a token
// names a kid no key has (such fetches at most once per `min_interval`, so
// tokens with made-up kids cannot make natter hammer the provider, while a
// key rotated just after a periodic fetch is still found at once), and
// after a failure sooner, with backoff. A failed fetch keeps the keys already
// installed. https only, except to a loopback host.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <natter/host.hpp>

#include "jwks.hpp"

namespace natter::jwt {

class JwksFetcher {
 public:
  struct Settings {
    std::string url;
    std::string ca_file;  // empty: the system's CAs
    std::chrono::seconds refresh{3600};
    std::chrono::seconds min_interval{60};
    std::chrono::milliseconds timeout{5000};
  };
  // Installs a fetched key set; false (with why) keeps the old one. Called
  // on this class's thread.
  using Install = std::function<bool(std::vector<Key> keys, std::string& why)>;

  // Throws std::invalid_argument for a URL natter will not fetch keys from.
  JwksFetcher(Settings settings, natter::Host& host, Install install);
  ~JwksFetcher();

  // Starts the thread, which fetches at once. Main thread.
  void start();
  // Asks for a fetch now because a token named an unknown kid. False, and
  // nothing happens, if the last such fetch was within min_interval; else
  // `then` runs on this class's thread once the fetch is done (whether it
  // worked or not). Any thread.
  bool fetch_for_unknown_kid(std::function<void()> then);
  // Asks for a fetch soon (SIGHUP). Any thread.
  void fetch_soon();
  // Runs every waiting `then`, and returns when the thread has ended. Main thread.
  void stop();

  // The body at `url`, or throws std::runtime_error saying why not.
  static std::string get(const Settings& settings, const std::string& url);

 private:
  void run();
  bool fetch_once();

  const Settings settings_;
  natter::Host& host_;
  const Install install_;
  natter::Counter& fetched_;
  natter::Counter& failed_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool wanted_ = true;  // a fetch is due now
  std::chrono::steady_clock::time_point asked_by_kid_{};  // the last fetch_for_unknown_kid() that fetched
  std::vector<std::function<void()>> waiting_;  // run after the next fetch
  std::thread thread_;
};

}  // namespace natter::jwt
