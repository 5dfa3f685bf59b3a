#include "redis_connection.hpp"

#include <charconv>
#include <csignal>
#include <sys/time.h>

#include <hiredis/hiredis.h>

namespace natter::redis {

namespace {

timeval timeval_of(std::chrono::milliseconds ms) {
  return {static_cast<time_t>(ms.count() / 1000), static_cast<suseconds_t>(ms.count() % 1000 * 1000)};
}

RedisReply copy_of(const redisReply& reply) {
  RedisReply out;
  switch (reply.type) {
    case REDIS_REPLY_INTEGER:
      out.kind = RedisReply::Kind::integer;
      out.integer = reply.integer;
      break;
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      out.kind = RedisReply::Kind::text;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      out.kind = RedisReply::Kind::error;
      out.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ARRAY:
      out.kind = RedisReply::Kind::array;
      out.elements.reserve(reply.elements);
      for (std::size_t i = 0; i < reply.elements; ++i) out.elements.push_back(copy_of(*reply.element[i]));
      break;
    default: out.kind = RedisReply::Kind::nil; break;
  }
  return out;
}

int port_of(std::string_view text, std::string_view address) {
  int port = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (ec != std::errc() || end != text.data() + text.size() || port < 1 || port > 65535) {
    throw std::invalid_argument("'" + std::string(address) + "': the port must be 1-65535");
  }
  return port;
}

}  // namespace

RedisEndpoint RedisEndpoint::parse(std::string_view address) {
  RedisEndpoint endpoint;
  if (address.starts_with("unix:")) {
    endpoint.unix_path = address.substr(5);
    if (!endpoint.unix_path.starts_with('/')) {
      throw std::invalid_argument("'" + std::string(address) + "': write unix:/absolute/path");
    }
    return endpoint;
  }
  std::string_view host = address, port;
  if (address.starts_with('[')) {
    const auto close = address.find(']');
    if (close == std::string_view::npos) throw std::invalid_argument("'" + std::string(address) + "': no closing ]");
    host = address.substr(1, close - 1);
    if (close + 1 < address.size()) {
      if (address[close + 1] != ':') throw std::invalid_argument("'" + std::string(address) + "': write [v6]:port");
      port = address.substr(close + 2);
    }
  } else if (const auto colon = address.rfind(':'); colon != std::string_view::npos) {
    host = address.substr(0, colon);
    port = address.substr(colon + 1);
  }
  if (host.empty()) throw std::invalid_argument("'" + std::string(address) + "': no host");
  endpoint.host = host;
  if (!port.empty()) endpoint.port = port_of(port, address);
  return endpoint;
}

std::string RedisEndpoint::describe() const {
  std::string where = unix_path.empty() ? host + ":" + std::to_string(port) : "unix:" + unix_path;
  return database == 0 ? where : where + "/" + std::to_string(database);
}

void block_sigpipe_on_this_thread() noexcept {
  sigset_t pipe;
  sigemptyset(&pipe);
  sigaddset(&pipe, SIGPIPE);
  pthread_sigmask(SIG_BLOCK, &pipe, nullptr);
}

void RedisConnection::Free::operator()(redisContext* context) const noexcept { redisFree(context); }

RedisConnection::RedisConnection(const RedisEndpoint& endpoint) {
  const timeval timeout = timeval_of(endpoint.timeout);
  context_.reset(endpoint.unix_path.empty()
                     ? redisConnectWithTimeout(endpoint.host.c_str(), endpoint.port, timeout)
                     : redisConnectUnixWithTimeout(endpoint.unix_path.c_str(), timeout));
  if (!context_) throw RedisError("out of memory for a Redis connection");
  if (context_->err) fail("connecting to " + endpoint.describe());
  if (redisSetTimeout(context_.get(), timeout) != REDIS_OK) fail("setting the timeout");
  if (endpoint.unix_path.empty()) redisEnableKeepAlive(context_.get());
  std::vector<Command> hello;
  if (!endpoint.password.empty()) {
    hello.push_back(endpoint.username.empty() ? Command{"AUTH", endpoint.password}
                                              : Command{"AUTH", endpoint.username, endpoint.password});
  }
  if (endpoint.database != 0) hello.push_back({"SELECT", std::to_string(endpoint.database)});
  for (const RedisReply& reply : pipeline(hello)) {
    if (reply.kind == RedisReply::Kind::error) throw RedisError(endpoint.describe() + " said: " + reply.text);
  }
}

RedisConnection::~RedisConnection() = default;

void RedisConnection::append(const std::vector<Command>& commands) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const Command& command : commands) {
    argv.clear();
    lengths.clear();
    for (const std::string& arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data()) !=
        REDIS_OK) {
      fail("queueing a command");
    }
  }
}

std::vector<RedisReply> RedisConnection::pipeline(const std::vector<Command>& commands) {
  append(commands);
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_.get(), &raw) != REDIS_OK || raw == nullptr) fail("waiting for a reply");
    std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(static_cast<redisReply*>(raw), freeReplyObject);
    replies.push_back(copy_of(*reply));
  }
  return replies;
}

RedisReply RedisConnection::command(const Command& command) { return pipeline({command}).front(); }

int RedisConnection::fd() const noexcept { return context_->fd; }

void RedisConnection::send(const std::vector<Command>& commands) {
  append(commands);
  int done = 0;
  while (!done) {
    if (redisBufferWrite(context_.get(), &done) != REDIS_OK) fail("writing to Redis");
  }
}

std::vector<RedisReply> RedisConnection::receive() {
  if (redisBufferRead(context_.get()) != REDIS_OK) fail("reading from Redis");
  std::vector<RedisReply> replies;
  for (;;) {
    void* raw = nullptr;
    if (redisGetReplyFromReader(context_.get(), &raw) != REDIS_OK) fail("reading a reply");
    if (!raw) return replies;
    std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(static_cast<redisReply*>(raw), freeReplyObject);
    replies.push_back(copy_of(*reply));
  }
}

void RedisConnection::fail(std::string_view doing) {
  std::string reason = context_ && context_->errstr[0] ? context_->errstr : "no reason given";
  // hiredis reports a read that timed out as EAGAIN.
  if (reason == "Resource temporarily unavailable") reason = "no answer within the timeout";
  throw RedisError(std::string(doing) + ": " + reason);
}

}  // namespace natter::redis
