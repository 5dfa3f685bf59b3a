#include "chat/broker.hpp"

#include <future>
#include <thread>

#include "chat/room_name.hpp"

namespace natter::chat {

namespace {
// Commands a client may send before its authentication finished.
constexpr std::size_t kMaxEarlyCommands = 64;
}  // namespace

Broker::Broker(const config::BrokerSettings& settings, BrokerParts parts, runtime::Executor& loop,
               runtime::Timers& timers, runtime::MetricsRegistry& metrics)
    : settings_(settings),
      loop_(loop),
      metrics_(metrics, parts.storage_name, parts.auth_name),
      sessions_(metrics),
      rooms_(settings_.recent_per_room),
      outbox_(loop, metrics_),
      room_delivery_(rooms_, outbox_, metrics),
      membership_(settings_, rooms_, outbox_, parts.pubsub, metrics),
      history_(settings_, parts.storage, sessions_, rooms_, outbox_, metrics_, loop),
      typing_(settings_, rooms_, outbox_, timers, metrics),
      sends_(settings_, std::move(parts.chains), {parts.storage, parts.pubsub, room_delivery_}, sessions_,
             outbox_, metrics_, loop, metrics),
      sign_in_(settings_.node_id, parts.auth, sessions_, outbox_, *this, metrics_, loop),
      bus_inbox_(settings_.node_id, room_delivery_, loop, metrics) {}

natter::SessionPort* Broker::open_session(natter::ClientLink& link, const natter::ConnectInfo& info,
                                          TransportTraits transport) noexcept {
  return sign_in_.open(link, info, transport);
}

void Broker::count_bad_request() noexcept { metrics_.error(natter::ErrorCode::bad_request); }

void Broker::handle(Session& session, OwnedCommand command) {
  if (session.closed) return;
  if (session.user.empty()) {
    if (session.early_commands.size() < kMaxEarlyCommands) {
      session.early_commands.push_back(std::move(command));
    } else {
      outbox_.send_error(session, command.ref, natter::ErrorCode::bad_request,
                         "too many commands before authentication finished");
    }
    return;
  }
  switch (command.op) {
    case natter::Op::join:
      if (room_name_ok(session, command) && membership_.join(session, command) && command.has_since) {
        history_.replay(session, command);
      }
      return;
    case natter::Op::leave:
      if (room_name_ok(session, command) && membership_.leave(session, command)) {
        typing_.stop(session.user, command.room);
      }
      return;
    case natter::Op::send: return sends_.send(session, std::move(command));
    case natter::Op::history:
      if (room_name_ok(session, command)) history_.page(session, command);
      return;
    case natter::Op::typing:
      if (room_name_ok(session, command)) typing_.typed(session, command);
      return;
    case natter::Op::ping: {
      auto pong = EventBuffer::make(natter::EventKind::pong);
      pong->set_ref(command.ref);
      return outbox_.send(session, pong);
    }
  }
  outbox_.send_error(session, command.ref, natter::ErrorCode::bad_request, "unknown op");
}

bool Broker::room_name_ok(Session& session, const OwnedCommand& command) {
  std::string problem = room_name_problem(command.room, settings_.max_room_name_bytes);
  if (problem.empty()) return true;
  outbox_.send_error(session, command.ref, natter::ErrorCode::bad_request, problem);
  return false;
}

void Broker::end_session(Session& session) {
  session.closed = true;
  for (const auto& room : session.rooms) typing_.stop(session.user, room);
  membership_.leave_all(session);
  session.link().detached();
  sessions_.remove(session);
}

std::size_t Broker::drain(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    std::promise<std::size_t> count;
    loop_.post([&] { count.set_value(sends_.in_flight()); });
    std::size_t pending = count.get_future().get();
    if (pending == 0 || std::chrono::steady_clock::now() >= until) return pending;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Broker::replace_chains(PolicyChains chains) {
  loop_.post([&] { sends_.replace_chains(std::move(chains)); });
  loop_.barrier();
}

}  // namespace natter::chat
