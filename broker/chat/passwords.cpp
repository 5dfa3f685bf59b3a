#include "chat/passwords.hpp"

#include <pthread.h>
#include <sodium.h>

#include <stdexcept>

namespace natter::chat {

namespace {
// Argon2id at OWASP's recommended minimum (19 MiB, 2 passes): slow enough
// to make guessing a stolen hash expensive, cheap enough for one thread.
// The parameters travel inside each hash, so changing them later keeps old
// hashes verifiable.
constexpr unsigned long long kOpsLimit = 2;
constexpr std::size_t kMemLimit = 19u << 20;
}  // namespace

Passwords::Passwords(runtime::Executor& loop) : loop_(loop) {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
  worker_ = std::thread([this] { run(); });
  pthread_setname_np(worker_.native_handle(), "natter-passwd");
}

Passwords::~Passwords() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  worker_.join();
}

void Passwords::hash(std::string password, std::function<void(std::string)> done) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back({{}, std::move(password), false, std::move(done), {}});
  }
  wake_.notify_one();
}

void Passwords::verify(std::string hash, std::string password, std::function<void(bool)> done) {
  {
    std::lock_guard lock(mutex_);
    jobs_.push_back({std::move(hash), std::move(password), true, {}, std::move(done)});
  }
  wake_.notify_one();
}

void Passwords::run() {
  while (true) {
    Job job;
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [this] { return stopping_ || !jobs_.empty(); });
      if (stopping_) return;
      job = std::move(jobs_.front());
      jobs_.pop_front();
    }
    if (job.verifying) {
      const bool matches = job.hash.size() < crypto_pwhash_STRBYTES &&
                           crypto_pwhash_str_verify(job.hash.c_str(), job.password.data(), job.password.size()) == 0;
      loop_.post([done = std::move(job.verified), matches] { done(matches); });
    } else {
      char out[crypto_pwhash_STRBYTES];
      std::string hash;
      if (crypto_pwhash_str(out, job.password.data(), job.password.size(), kOpsLimit, kMemLimit) == 0) hash = out;
      loop_.post([done = std::move(job.hashed), hash = std::move(hash)]() mutable { done(std::move(hash)); });
    }
    sodium_memzero(job.password.data(), job.password.size());
  }
}

}  // namespace natter::chat
