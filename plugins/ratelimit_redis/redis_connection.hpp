#pragma once
// One synchronous connection to a Redis server (hiredis), for a thread of
// the plugin's own: every call may block for up to the configured timeout,
// so it must never be used on an I/O thread or the broker loop. Not
// thread-safe; owned and used by one thread. A connection that waits for
// what Redis pushes (a subscriber) is driven by the owner's poll() on
// fd(), with send() and receive().

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

struct redisContext;

namespace natter::redis {

// Where a Redis server is and how to sign in to it.
struct RedisEndpoint {
  std::string host;       // empty when unix_path is set
  int port = 6379;
  std::string unix_path;  // "unix:/run/redis/redis.sock"
  std::string username;   // Redis 6 ACL user; empty: the password alone
  std::string password;   // empty: no AUTH
  int database = 0;
  std::chrono::milliseconds timeout{250};  // connect, and each read or write

  // "host:port", "[v6]:port", "host" (port 6379) or "unix:/path".
  // Throws std::invalid_argument saying what is wrong.
  static RedisEndpoint parse(std::string_view address);
  std::string describe() const;  // for logs, without the password
};

// A reply, copied out of hiredis's.
struct RedisReply {
  enum class Kind { integer, text, error, nil, array };
  Kind kind = Kind::nil;
  long long integer = 0;
  std::string text;  // a string, status or error
  std::vector<RedisReply> elements;  // an array's
};

// The connection failed or broke; it is unusable afterwards.
class RedisError : public std::runtime_error {
  using std::runtime_error::runtime_error;
};

// hiredis writes with write(), which raises SIGPIPE on a connection Redis
// closed. Call on each thread that owns connections: with SIGPIPE blocked
// there the write fails with EPIPE instead, whatever the host process does
// with the signal.
void block_sigpipe_on_this_thread() noexcept;

class RedisConnection {
 public:
  // Connects, signs in and selects the database. Throws RedisError.
  explicit RedisConnection(const RedisEndpoint& endpoint);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  using Command = std::vector<std::string>;
  // Sends every command, then reads every reply, in order: one round trip
  // for the lot. An error reply is a reply; RedisError means the
  // connection broke (or timed out) and no reply can be trusted.
  std::vector<RedisReply> pipeline(const std::vector<Command>& commands);
  RedisReply command(const Command& command);

  // The socket, for poll().
  int fd() const noexcept;
  // Writes every command without waiting for replies. Throws RedisError.
  void send(const std::vector<Command>& commands);
  // Reads what the socket holds (call once poll() says it is readable)
  // and returns the replies now complete, maybe none. Throws RedisError
  // when Redis closed the connection or it broke.
  std::vector<RedisReply> receive();

 private:
  struct Free {
    void operator()(redisContext* context) const noexcept;
  };
  void append(const std::vector<Command>& commands);
  [[noreturn]] void fail(std::string_view doing);
  std::unique_ptr<redisContext, Free> context_;
};

}  // namespace natter::redis
