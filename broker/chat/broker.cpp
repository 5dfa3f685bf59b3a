#include "chat/broker.hpp"

#include <future>
#include <thread>

#include "chat/direct_name.hpp"
#include "chat/room_name.hpp"

namespace natter::chat {

namespace {
// Commands a client may send while its session is held (before its
// authentication finished, or while a command waits for storage).
constexpr std::size_t kMaxWaitingCommands = 64;
}  // namespace

Broker::Broker(const config::BrokerSettings& settings, BrokerParts parts, runtime::Executor& loop,
               runtime::Timers& timers, runtime::MetricsRegistry& metrics)
    : settings_(settings),
      loop_(loop),
      metrics_(metrics, parts.storage_name, parts.auth_name),
      sessions_(metrics),
      rooms_(settings_.recent_per_room),
      cluster_(settings_.node_id, parts.pubsub, metrics),
      state_(settings_, parts.room_state, cluster_, loop, metrics),
      passwords_(loop),
      outbox_(loop, metrics_),
      room_delivery_(rooms_, outbox_, metrics),
      history_(settings_, {parts.storage, parts.revisions, parts.attachments ? parts.extras : nullptr}, sessions_,
               rooms_, outbox_, metrics_, loop),
      typing_(settings_, rooms_, outbox_, cluster_, timers, metrics),
      presence_(settings_, catalog_, rooms_, sessions_, outbox_, cluster_, timers, metrics),
      unread_(parts.unread, loop),
      membership_(settings_,
                  {catalog_, rooms_, sessions_, outbox_, cluster_, state_, passwords_, typing_},
                  unread_,
                  metrics,
                  [this](Session& session, const OwnedCommand& command, EventRef answer) {
                    if (command.has_since) return history_.replay(session, command, std::move(answer));
                    outbox_.send(session, answer);
                    history_.release_held(session, command.room, 0);
                  }),
      room_admin_(settings_, {catalog_, rooms_, sessions_, outbox_, cluster_, state_, passwords_, typing_},
                  membership_, presence_, unread_),
      direct_({catalog_, rooms_, sessions_, outbox_, cluster_, state_, passwords_, typing_}, membership_),
      read_markers_(settings_, {catalog_, rooms_, sessions_, outbox_, cluster_, state_, passwords_, typing_}),
      ids_(settings_.node_id),
      limits_(settings_, parts.chains, sessions_, outbox_, loop),
      files_(parts.attachments, sessions_, outbox_, loop),
      offline_(std::move(parts.hooks), catalog_, presence_),
      sends_(settings_, std::move(parts.chains),
             {parts.storage, parts.refs, parts.extras, cluster_, room_delivery_, offline_},
             ids_, sessions_,
             outbox_, metrics_, loop, metrics),
      edits_({catalog_, rooms_, sessions_, outbox_, ids_, sends_, cluster_, parts.revisions, loop}),
      sign_in_(settings_, {parts.auth, parts.auth_minor}, sessions_, outbox_, membership_, presence_, limits_, *this,
               metrics_, loop, timers),
      remote_(settings_, {catalog_, rooms_, sessions_, outbox_, room_delivery_, cluster_, typing_, membership_, room_admin_,
                          read_markers_, edits_, presence_}),
      recovery_(parts.storage, rooms_, room_delivery_, loop, timers, metrics),
      bus_inbox_(settings_.node_id, remote_, loop, metrics, [this] {
        presence_.tell_cluster(/*after_gap=*/true);
        recovery_.recover();
      }),
      desk_({sessions_, catalog_, rooms_, presence_, ids_, parts.storage, cluster_, room_delivery_, loop}) {}

natter::SessionPort* Broker::open_session(natter::ClientLink& link, const natter::ConnectInfo& info,
                                          TransportTraits transport) noexcept {
  return sign_in_.open(link, info, transport);
}

void Broker::count_bad_request() noexcept { metrics_.error(natter::ErrorCode::bad_request); }

void Broker::handle(Session& session, OwnedCommand command) {
  if (session.closed) return;
  if (session.held()) {
    if (session.waiting.size() < kMaxWaitingCommands) {
      session.waiting.push_back(std::move(command));
    } else {
      outbox_.send_error(session, command.ref, natter::ErrorCode::bad_request,
                         "too many commands sent before the ones before them were answered");
    }
    return;
  }
  run(session, std::move(command));
}

void Broker::resume(Session& session) {
  while (!session.closed && !session.held() && !session.waiting.empty()) {
    OwnedCommand next = std::move(session.waiting.front());
    session.waiting.erase(session.waiting.begin());
    run(session, std::move(next));
  }
}

void Broker::run(Session& session, OwnedCommand command) {
  if (draining_ && (command.op == natter::Op::send || command.op == natter::Op::edit ||
                    command.op == natter::Op::delete_message)) {
    last_refused_ = std::chrono::steady_clock::now();
    outbox_.send_error(session, command.ref, natter::ErrorCode::unavailable,
                       "natterd is shutting down: send again (with the same ref) once reconnected");
    return;
  }
  if (command.op == natter::Op::send && !command.to.empty()) {
    if (direct_.address(session, command) && files_.send_admissible(session, command)) {
      sends_.send(session, std::move(command));
    }
    return;
  }
  if ((command.op == natter::Op::upload || command.op == natter::Op::download) && !command.to.empty()) {
    // As a direct message would: the direct room with `to`, made if need be.
    if (!direct_.address(session, command)) return;
  }
  if ((command.op == natter::Op::edit || command.op == natter::Op::delete_message) && !command.to.empty()) {
    // The direct room with `to`; if there is none, there is nothing in it to change.
    if (!command.room.empty()) {
      outbox_.send_error(session, command.ref, natter::ErrorCode::bad_request, "give 'room' or 'to', not both");
      return;
    }
    command.room = direct_room_name(session.user, command.to);
  }
  if (command.op == natter::Op::list_rooms || command.op == natter::Op::presence || command.op == natter::Op::ping) {
    // These name no room.
  } else if (command.op == natter::Op::send) {
    // Only to a room the session joined, so the name was checked then.
  } else if (!room_name_ok(session, command)) {
    return;
  }
  if (session.grants && !granted(session, command)) return;
  if (const auto action = limited_action(command.op); action && limits_.active()) {
    const std::string room = command.room, ref = command.ref;
    limits_.check(session, *action, session.user, room, ref,
                  [this, command = std::move(command)](Session& admitted) mutable {
                    execute(admitted, std::move(command));
                  });
    return;
  }
  execute(session, std::move(command));
}

void Broker::execute(Session& session, OwnedCommand command) {
  switch (command.op) {
    case natter::Op::join: return membership_.join(session, command);
    case natter::Op::leave: return membership_.leave(session, command);
    case natter::Op::send:
      if (files_.send_admissible(session, command)) sends_.send(session, std::move(command));
      return;
    case natter::Op::upload: return files_.upload(session, command);
    case natter::Op::download: return files_.download(session, command);
    case natter::Op::create_room: return room_admin_.create(session, command);
    case natter::Op::invite: return room_admin_.invite(session, command);
    case natter::Op::kick: return room_admin_.kick(session, command);
    case natter::Op::delete_room: return room_admin_.remove(session, command);
    case natter::Op::list_rooms: return room_admin_.list(session, command);
    case natter::Op::members: return room_admin_.members(session, command);
    case natter::Op::presence: return presence_.ask(session, command);
    case natter::Op::read: return read_markers_.read(session, command);
    case natter::Op::edit: return edits_.edit(session, std::move(command));
    case natter::Op::delete_message: return edits_.remove(session, command);
    case natter::Op::history: return history_.page(session, command);
    case natter::Op::typing: return typing_.typed(session, command);
    case natter::Op::ping: {
      auto pong = EventBuffer::make(natter::EventKind::pong);
      pong->set_ref(command.ref);
      return outbox_.send(session, pong);
    }
  }
  outbox_.send_error(session, command.ref, natter::ErrorCode::bad_request, "unknown op");
}

bool Broker::granted(Session& session, const OwnedCommand& command) {
  const Grants& grants = *session.grants;
  if (command.op == natter::Op::create_room && !grants.may_create_rooms) {
    outbox_.send_error(session, command.ref, natter::ErrorCode::forbidden,
                       "your credential does not let you create rooms");
    return false;
  }
  if (!command.room.empty() && !is_direct_name(command.room) && !grants.allows_room(command.room)) {
    outbox_.send_error(session, command.ref, natter::ErrorCode::forbidden,
                       "your credential does not let you into room '" + command.room + "'");
    return false;
  }
  return true;
}

bool Broker::room_name_ok(Session& session, const OwnedCommand& command) {
  // A direct room's name holds two user names and may run longer.
  const std::size_t longest = is_direct_name(command.room) ? settings_.max_room_name_bytes + 3 + 2 * 128
                                                           : settings_.max_room_name_bytes;
  std::string problem = room_name_problem(command.room, longest);
  if (problem.empty()) return true;
  outbox_.send_error(session, command.ref, natter::ErrorCode::bad_request, problem);
  return false;
}

void Broker::end_session(Session& session) {
  session.closed = true;
  membership_.session_ended(session);
  session.link().detached();
  const std::string user = session.user;
  sessions_.remove(session);
  presence_.session_ended(user);
}

void Broker::join_cluster() {
  loop_.post([this] {
    cluster_.on_newly_followed([this](const std::string& topic) {
      recovery_.catch_up([this, topic]() -> std::vector<std::string> {
        if (const auto room = room_of_topic(topic); !room.empty()) return {std::string(room)};
        return catalog_.direct_rooms_of(user_of_topic(topic));
      });
    });
    // Another node's gap: what it published meanwhile reached nobody, but
    // storage has it.
    presence_.on_peer_gap([this](std::uint32_t) { recovery_.recover(); });
    cluster_.join();
    presence_.start();
  });
}

bool Broker::load_rooms(std::string& error) {
  bool ok = false;
  loop_.post([&] { ok = state_.load(catalog_, error) && sends_.load_refs(error); });
  loop_.barrier();
  return ok;
}

std::size_t Broker::drain(std::chrono::milliseconds deadline) {
  // Sends a client made before it heard `unavailable` are on their way
  // still: drain ends once none has come for this long.
  constexpr auto kQuiet = std::chrono::milliseconds(100);
  const auto until = std::chrono::steady_clock::now() + deadline;
  loop_.post([this] {
    draining_ = true;
    last_refused_ = std::chrono::steady_clock::now();
  });
  while (true) {
    std::promise<std::pair<std::size_t, std::chrono::steady_clock::time_point>> state;
    loop_.post([&] { state.set_value({sends_.in_flight(), last_refused_}); });
    const auto [pending, refused_at] = state.get_future().get();
    const auto now = std::chrono::steady_clock::now();
    if ((pending == 0 && now - refused_at >= kQuiet) || now >= until) return pending;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Broker::replace_chains(PolicyChains chains) {
  loop_.post([&] {
    limits_.replace_chains(chains);
    sends_.replace_chains(std::move(chains));
  });
  loop_.barrier();
}

}  // namespace natter::chat
