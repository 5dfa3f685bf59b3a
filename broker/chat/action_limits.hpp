#pragma once
// The rate limiters' say over what a session does besides sending (the
// SendPipeline asks about sends itself): signing in, join, typing,
// create_room, edit and delete. Limiters built before ABI 1.7 know only
// sends and are not asked. While a limiter decides, the session is held,
// so its later commands wait and keep their order. A refusal answers the
// command `rate_limited` with retry_after_ms (a refused sign-in also
// closes); refusals in a row, sends' too, past
// broker.rate_limited_close_after close the session with 4029. Loop
// thread only.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "chat/broker_parts.hpp"
#include "chat/outbox.hpp"
#include "chat/session.hpp"
#include "chat/session_table.hpp"
#include "config/settings.hpp"
#include "runtime/executor.hpp"

namespace natter::chat {

// The action a command is limited as, if any.
std::optional<natter::LimitedAction> limited_action(natter::Op op) noexcept;

// A refusal by the limiters: counts it on `session` and closes the session
// once `close_after` (not 0) refusals came in a row.
void count_refusal(Session& session, std::uint32_t close_after);

class ActionLimits {
 public:
  using Then = std::function<void(Session&)>;
  // Borrows all; they outlive it.
  ActionLimits(const config::BrokerSettings& settings, const PolicyChains& chains, SessionTable& sessions,
               Outbox& outbox, runtime::Executor& loop);

  // The chain after a reload; checks under way start over with it.
  void replace_chains(const PolicyChains& chains);
  // Whether any limiter is asked about actions other than sends.
  bool active() const noexcept { return !limiters_.empty(); }
  // Runs `then(session)` once every limiter admitted `action` by `user`
  // (the session's, or for connect the one just authenticated) in `room`;
  // or answers `ref` with `rate_limited`.
  void check(Session& session, natter::LimitedAction action, std::string_view user, std::string_view room,
             std::string_view ref, Then then);

 private:
  struct Check;
  void ask_next(const std::shared_ptr<Check>& check);
  void refused(const Check& check, std::uint32_t retry_after_ms);

  const config::BrokerSettings& settings_;
  SessionTable& sessions_;
  Outbox& outbox_;
  runtime::Executor& loop_;
  std::vector<natter::RateLimiter*> limiters_;  // the chain's, 1.7 and newer
  std::uint64_t generation_ = 0;               // one more with each replace_chains()
};

}  // namespace natter::chat
