#include "chat/sign_in.hpp"

#include <chrono>
#include <memory>

#include "chat/loop_completions.hpp"

namespace natter::chat {

SignIn::SignIn(const config::BrokerSettings& settings, AuthPlugin auth, SessionTable& sessions, Outbox& outbox,
               Membership& membership, Presence& presence, ActionLimits& limits, CommandSink& commands,
               BrokerMetrics& metrics, runtime::Executor& loop, runtime::Timers& timers)
    : settings_(settings),
      auth_(auth),
      sessions_(sessions),
      outbox_(outbox),
      membership_(membership),
      presence_(presence),
      limits_(limits),
      commands_(commands),
      metrics_(metrics),
      loop_(loop),
      timers_(timers) {}

natter::SessionPort* SignIn::open(natter::ClientLink& link, const natter::ConnectInfo& info,
                                  TransportTraits transport) noexcept {
  // Allocation failure here leaves no way to answer the transport; the
  // contract says never nullptr, so terminate() (noexcept) is the outcome.
  const std::uint64_t id = next_session_id_.fetch_add(1, std::memory_order_relaxed);
  auto* session = new Session(commands_, loop_, id, link, transport, std::string(info.remote_address));
  // Tasks run in order, so this lands before anything the session posts.
  loop_.post([this, session] { sessions_.add(std::unique_ptr<Session>(session)); });
  const auto asked = std::chrono::steady_clock::now();
  auto* attempt = new AuthAttempt(loop_, auth_.abi_minor, [this, id, asked](bool ok, std::string text,
                                                                              Credential credential) {
    metrics_.authenticate.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count());
    if (ok) {
      authenticated(id, std::move(text), std::move(credential));
    } else {
      refused(id, std::move(text));
    }
  });
  if (transport.abi_minor >= 8 && info.authenticated) {
    attempt->accepted(natter::Identity{info.requested_user});
  } else {
    auth_.plugin.authenticate(info, *attempt);
  }
  return session;
}

void SignIn::authenticated(std::uint64_t session_id, std::string user, Credential credential) {
  Session* session = sessions_.find(session_id);
  if (!session) return;
  const std::string who = user;
  limits_.check(*session, natter::LimitedAction::connect, who, {}, {},
                [this, user = std::move(user), credential = std::move(credential)](Session& admitted) mutable {
                  welcome(admitted, std::move(user), std::move(credential));
                });
}

void SignIn::end_at_expiry(const Session& session, std::int64_t expires_at_ms) {
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  const auto when = runtime::Timers::Clock::now() + std::chrono::milliseconds(std::max<std::int64_t>(0, expires_at_ms - now_ms));
  timers_.at(when, [this, id = session.id()] {
    Session* expired = sessions_.find(id);
    if (!expired) return;
    const std::string why = "the token expired; reconnect with a new one";
    outbox_.send_error(*expired, {}, natter::ErrorCode::unauthorized, why);
    expired->link().close(natter::CloseCode::unauthorized, why);
  });
}

void SignIn::welcome(Session& session, std::string user, Credential credential) {
  if (sessions_.of_user(user).size() >= settings_.max_sessions_per_user) {
    const std::string why = "'" + user + "' has " + std::to_string(settings_.max_sessions_per_user) +
                            " sessions open already; close one first";
    outbox_.send_error(session, {}, natter::ErrorCode::forbidden, why);
    session.link().close(natter::CloseCode::policy, why);
    return;
  }
  session.user = std::move(user);
  session.grants = std::move(credential.grants);
  sessions_.signed_in(session);
  auto welcome = EventBuffer::make(natter::EventKind::welcome);
  welcome->set_user(session.user).set_node(settings_.node_id);
  outbox_.send(session, welcome);
  membership_.signed_in(session);
  presence_.signed_in(session.user);
  if (credential.expires_at_ms > 0) end_at_expiry(session, credential.expires_at_ms);
  commands_.resume(session);
}

void SignIn::refused(std::uint64_t session_id, std::string reason) {
  Session* session = sessions_.find(session_id);
  if (!session) return;
  outbox_.send_error(*session, {}, natter::ErrorCode::unauthorized, reason);
  session->link().close(natter::CloseCode::unauthorized, reason);
}

}  // namespace natter::chat
