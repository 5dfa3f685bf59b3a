#pragma once
// A connection becomes a session: the session is opened for the
// transport, the auth plugin decides who it is, and the client hears
// `welcome` (then the session enters the user's direct rooms and the
// commands it sent meanwhile run) or is refused and closed: by the auth
// plugin (not asked when the transport authenticated the user itself,
// ConnectInfo::authenticated), because the user has max_sessions_per_user sessions already, or
// by the rate limiters (connect). A session whose credential expires
// (Identity::expires_at_ms) is closed then, with 4001. open() runs on the transport's thread; the rest on the loop.

#include <atomic>
#include <cstdint>
#include <string>

#include <natter/plugin.hpp>

#include "chat/action_limits.hpp"
#include "chat/broker_metrics.hpp"
#include "chat/membership.hpp"
#include "chat/outbox.hpp"
#include "chat/presence.hpp"
#include "chat/session.hpp"
#include "chat/session_table.hpp"
#include "runtime/executor.hpp"
#include "runtime/timers.hpp"

namespace natter::chat {

struct Credential;  // loop_completions.hpp

// The auth plugin, and the SDK minor it was built against.
struct AuthPlugin {
  natter::Authenticator& plugin;
  std::uint32_t abi_minor;
};

class SignIn {
 public:
  // Borrows everything; all of it outlives the service. Commands that
  // arrive before authentication ends are kept on the session and handed
  // to `commands` once it has.
  SignIn(const config::BrokerSettings& settings, AuthPlugin auth, SessionTable& sessions, Outbox& outbox,
         Membership& membership, Presence& presence, ActionLimits& limits, CommandSink& commands,
         BrokerMetrics& metrics, runtime::Executor& loop, runtime::Timers& timers);

  // Any thread: BrokerEntry::open_session for a link of `transport`.
  natter::SessionPort* open(natter::ClientLink& link, const natter::ConnectInfo& info,
                            TransportTraits transport) noexcept;

 private:
  void authenticated(std::uint64_t session_id, std::string user, Credential credential);
  void welcome(Session& session, std::string user, Credential credential);
  // Closes the session (4001) when its credential runs out.
  void end_at_expiry(const Session& session, std::int64_t expires_at_ms);
  void refused(std::uint64_t session_id, std::string reason);

  const config::BrokerSettings& settings_;
  AuthPlugin auth_;
  SessionTable& sessions_;
  Outbox& outbox_;
  Membership& membership_;
  Presence& presence_;
  ActionLimits& limits_;
  CommandSink& commands_;
  BrokerMetrics& metrics_;
  runtime::Executor& loop_;
  runtime::Timers& timers_;
  std::atomic<std::uint64_t> next_session_id_{1};
};

}  // namespace natter::chat
