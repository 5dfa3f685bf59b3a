#pragma once
// A connection becomes a session: the session is opened for the
// transport, the auth plugin decides who it is, and the client hears
// `welcome` (then the session enters the user's direct rooms and the
// commands it sent meanwhile run) or is refused and closed: by the auth
// plugin, because the user has max_sessions_per_user sessions already, or
// by the rate limiters (connect). open() runs on the transport's thread; the rest on the loop.

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

namespace natter::chat {

class SignIn {
 public:
  // Borrows everything; all of it outlives the service. Commands that
  // arrive before authentication ends are kept on the session and handed
  // to `commands` once it has.
  SignIn(const config::BrokerSettings& settings, natter::Authenticator& auth, SessionTable& sessions,
         Outbox& outbox, Membership& membership, Presence& presence, ActionLimits& limits,
         CommandSink& commands, BrokerMetrics& metrics, runtime::Executor& loop);

  // Any thread: BrokerEntry::open_session for a link of `transport`.
  natter::SessionPort* open(natter::ClientLink& link, const natter::ConnectInfo& info,
                            TransportTraits transport) noexcept;

 private:
  void authenticated(std::uint64_t session_id, std::string user);
  void welcome(Session& session, std::string user);
  void refused(std::uint64_t session_id, std::string reason);

  const config::BrokerSettings& settings_;
  natter::Authenticator& auth_;
  SessionTable& sessions_;
  Outbox& outbox_;
  Membership& membership_;
  Presence& presence_;
  ActionLimits& limits_;
  CommandSink& commands_;
  BrokerMetrics& metrics_;
  runtime::Executor& loop_;
  std::atomic<std::uint64_t> next_session_id_{1};
};

}  // namespace natter::chat
