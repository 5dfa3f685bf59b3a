#pragma once
// Room passwords: hashed and checked with libsodium's crypto_pwhash
// (Argon2id), salted, on a thread of their own because a hash takes tens of
// milliseconds and megabytes on purpose; the answer comes back on the loop.
// Verification compares in constant time (crypto_pwhash_str_verify).
// Construct and call from the loop thread; answers run there too.

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "runtime/executor.hpp"

namespace natter::chat {

class Passwords {
 public:
  // `loop` outlives this.
  explicit Passwords(runtime::Executor& loop);
  ~Passwords();

  // `done(hash)` on the loop; hash is empty if hashing failed (out of memory).
  void hash(std::string password, std::function<void(std::string)> done);
  // `done(matches)` on the loop.
  void verify(std::string hash, std::string password, std::function<void(bool)> done);

 private:
  struct Job {
    std::string hash, password;
    bool verifying;
    std::function<void(std::string)> hashed;
    std::function<void(bool)> verified;
  };
  void run();

  runtime::Executor& loop_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Job> jobs_;  // guarded by mutex_
  bool stopping_ = false; // guarded by mutex_
  std::thread worker_;
};

}  // namespace natter::chat
