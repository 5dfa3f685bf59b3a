#pragma once
// Rate limiters run as an ordered chain; a client's action (a send before
// the filters see it, a join, ...) goes ahead only if every limiter admits
// it. A client refused many times in a row is disconnected by the broker
// (broker.rate_limited_close_after), not by the limiter.

#include <cstdint>

#include "natter/abi.hpp"
#include "natter/values.hpp"

namespace natter {

// ABI 1.7: what the client is doing. A limiter built for an older ABI is
// asked about sends only. Numbers are ABI and never reused.
enum class LimitedAction : std::uint32_t {
  send = 1,         // send, and a direct message
  connect = 2,      // a session signs in (after authentication, so `user` is known)
  join = 3,
  typing = 4,
  create_room = 5,
  edit = 6,         // edit and delete
};

struct AdmitRequest {
  std::string_view user;
  std::string_view room;  // empty for connect
  std::string_view remote_address;
  std::uint32_t cost = 1;  // tokens this action takes
  // ABI 1.7
  LimitedAction action = LimitedAction::send;
  std::uint64_t session = 0;  // the connection, unique on this node while it lives
};

// Broker-owned completion; exactly one method, once, from any thread.
class AdmitDone {
 public:
  virtual void admitted() noexcept = 0;
  virtual void refused(std::uint32_t retry_after_ms) noexcept = 0;

 protected:
  ~AdmitDone() = default;
};

class RateLimiter : public Plugin {
 public:
  virtual bool start(Diagnostic& error) noexcept = 0;  // main thread
  // May complete inline or later (a distributed limiter). Any thread.
  virtual void admit(const AdmitRequest& request, AdmitDone& done) noexcept = 0;
};

}  // namespace natter
