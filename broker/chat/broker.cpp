#include "chat/broker.hpp"

#include <future>
#include <thread>

#include "chat/bus_codec.hpp"
#include "chat/history_merge.hpp"
#include "chat/loop_completions.hpp"
#include "chat/room_name.hpp"
#include "chat/send_pipeline.hpp"
#include "runtime/logging.hpp"

namespace natter::chat {

namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// Commands a client may send before its authentication finished.
constexpr std::size_t kMaxEarlyCommands = 64;
constexpr std::uint32_t kDefaultHistoryPage = 50;
}  // namespace

Broker::Broker(const config::BrokerSettings& settings, BrokerParts parts, runtime::Executor& loop,
               runtime::MetricsRegistry& metrics)
    : settings_(settings),
      parts_(std::move(parts)),
      loop_(loop),
      metrics_(metrics, parts_),
      rooms_(settings.recent_per_room),
      fanout_(loop),
      sends_(std::make_unique<SendPipeline>(*this, parts_, loop, metrics)),
      connections_(metrics.gauge("natter_connections", "Open client sessions")),
      rooms_gauge_(metrics.gauge("natter_rooms", "Rooms with members on this node")),
      deliveries_(metrics.counter("natter_deliveries_total", "Events queued to clients")),
      bus_received_(metrics.counter("natter_bus_received_total",
                                    "Messages received from other nodes")) {}

Broker::~Broker() = default;

natter::SessionPort* Broker::open_session(natter::ClientLink& link, const natter::ConnectInfo& info,
                                          natter::Fanout* fanout, bool inline_commands) noexcept {
  // Allocation failure here leaves no way to answer the transport; the
  // contract says never nullptr, so terminate() (noexcept) is the outcome.
  const std::uint64_t id = next_session_id_.fetch_add(1, std::memory_order_relaxed);
  auto* session = new Session(*this, loop_, id, link, fanout, inline_commands, std::string(info.remote_address));
  // Tasks run in order, so this lands before anything the session posts.
  loop_.post([this, session] {
    sessions_.emplace(session->id(), std::unique_ptr<Session>(session));
    connections_.add(1);
  });
  const auto asked = std::chrono::steady_clock::now();
  parts_.auth.authenticate(info, *new AuthAttempt(loop_, [this, id, asked](bool ok, std::string text) {
    metrics_.authenticate.observe(seconds_since(asked));
    if (ok) {
      authenticated(id, std::move(text));
    } else {
      auth_refused(id, std::move(text));
    }
  }));
  return session;
}

void Broker::count_bad_request() noexcept { metrics_.error(natter::ErrorCode::bad_request); }

void Broker::received(std::string_view topic, std::span<const std::byte> payload) noexcept {
  auto decoded = decode_bus_message(payload);
  if (!decoded) {
    runtime::log().warn("ignoring undecodable bus payload on '{}' ({} bytes)", topic,
                        payload.size());
    return;
  }
  if (decoded->origin_node == settings_.node_id) return;  // our own echo
  try {
    loop_.post([this, m = std::move(decoded->message)] {
      bus_received_.add(1);
      deliver_message(m);
    });
  } catch (...) {
  }
}

void Broker::authenticated(std::uint64_t session_id, std::string user) {
  Session* session = find_session(session_id);
  if (!session) return;
  session->user = std::move(user);
  auto welcome = EventBuffer::make(natter::EventKind::welcome);
  welcome->set_user(session->user).set_node(settings_.node_id);
  session->send(welcome);
  auto early = std::move(session->early_commands);
  for (auto& command : early) handle(*session, std::move(command));
}

void Broker::auth_refused(std::uint64_t session_id, std::string reason) {
  Session* session = find_session(session_id);
  if (!session) return;
  session->send_error({}, natter::ErrorCode::unauthorized, reason);
  session->link().close(natter::CloseCode::unauthorized, reason);
}

Session* Broker::find_session(std::uint64_t id) {
  auto it = sessions_.find(id);
  return it == sessions_.end() || it->second->closed ? nullptr : it->second.get();
}

bool Broker::is_member(const Session& session, std::string_view room) const {
  return session.rooms.count(room) != 0;
}

void Broker::handle(Session& session, OwnedCommand command) {
  if (session.closed) return;
  if (session.user.empty()) {
    if (session.early_commands.size() < kMaxEarlyCommands) {
      session.early_commands.push_back(std::move(command));
    } else {
      session.send_error(command.ref, natter::ErrorCode::bad_request,
                         "too many commands before authentication finished");
    }
    return;
  }
  switch (command.op) {
    case natter::Op::join: return join(session, command);
    case natter::Op::leave: return leave(session, command);
    case natter::Op::send: return sends_->send(session, std::move(command));
    case natter::Op::history: return history(session, command);
    case natter::Op::ping: {
      auto pong = EventBuffer::make(natter::EventKind::pong);
      pong->set_ref(command.ref);
      return session.send(pong);
    }
  }
  session.send_error(command.ref, natter::ErrorCode::bad_request, "unknown op");
}

bool Broker::room_name_ok(Session& session, const OwnedCommand& command) {
  std::string problem = room_name_problem(command.room, settings_.max_room_name_bytes);
  if (problem.empty()) return true;
  session.send_error(command.ref, natter::ErrorCode::bad_request, problem);
  return false;
}

void Broker::join(Session& session, const OwnedCommand& command) {
  if (!room_name_ok(session, command)) return;
  const bool already = is_member(session, command.room);
  if (!already && session.rooms.size() >= settings_.max_rooms_per_session) {
    session.send_error(command.ref, natter::ErrorCode::forbidden,
                       "this connection already joined " +
                           std::to_string(settings_.max_rooms_per_session) + " rooms");
    return;
  }
  if (!already) {
    session.rooms.insert(command.room);
    if (rooms_.add_member(command.room, session)) {
      parts_.pubsub.subscribe(room_topic(command.room));
      rooms_gauge_.set(static_cast<std::int64_t>(rooms_.size()));
    }
    if (announces(command.room)) {
      auto announcement = EventBuffer::make(natter::EventKind::joined);
      announcement->set_room(command.room).set_user(session.user);
      for (Session* member : rooms_.find(command.room)->members) {
        if (member != &session) member->send(announcement);
      }
    }
  }
  auto answer = EventBuffer::make(natter::EventKind::joined);
  answer->set_ref(command.ref).set_room(command.room).set_user(session.user);
  if (announces(command.room)) answer->set_members(rooms_.member_names(command.room));
  session.send(answer);
  if (command.has_since) replay(session, command);
}

void Broker::replay(Session& session, const OwnedCommand& command) {
  // Live messages for the room are held back until the replay is out, so
  // the client sees missed messages first and every message once, in order.
  session.replaying[command.room];
  natter::HistoryQuery query{command.room, 0, command.since, settings_.recovery_max};
  const std::uint64_t id = session.id();
  const auto asked = std::chrono::steady_clock::now();
  auto* read = new PageRead(loop_, [this, id, query, asked, room = command.room, ref = command.ref](
                                       natter::ErrorCode code, std::string detail,
                                       std::vector<StoredMessage> stored) {
    metrics_.history.observe(seconds_since(asked));
    Session* s = find_session(id);
    if (!s) return;
    auto held = s->replaying.find(room);
    if (held == s->replaying.end()) return;  // left meanwhile
    std::vector<EventRef> live = std::move(held->second);
    s->replaying.erase(held);
    if (code != natter::ErrorCode::none) {
      s->send_error(ref, natter::ErrorCode::unavailable, "could not replay missed messages: " + detail);
    }
    std::uint64_t last = query.after_id;
    for (const auto& m : page_with_recent(query, room, stored)) {
      auto event = EventBuffer::make(natter::EventKind::message);
      event->set_message(m.view());
      s->send(event);
      last = m.id;
    }
    for (const auto& event : live) {
      if (event->event().message.id > last) s->send(event);
    }
  });
  parts_.storage.history(query, *read);
}

void Broker::leave(Session& session, const OwnedCommand& command) {
  if (!room_name_ok(session, command)) return;
  if (!is_member(session, command.room)) {
    session.send_error(command.ref, natter::ErrorCode::not_member,
                       "not a member of room '" + command.room + "'");
    return;
  }
  remove_from_room(session, command.room, command.ref);
}

bool Broker::announces(std::string_view room_name) {
  const Room* room = rooms_.find(room_name);
  return room && room->members.size() <= settings_.announce_max_members;
}

void Broker::remove_from_room(Session& session, const std::string& room, std::string_view ref) {
  session.rooms.erase(room);
  session.replaying.erase(room);
  auto departure = EventBuffer::make(natter::EventKind::left);
  departure->set_room(room).set_user(session.user);
  if (rooms_.remove_member(room, session)) {
    parts_.pubsub.unsubscribe(room_topic(room));
    rooms_gauge_.set(static_cast<std::int64_t>(rooms_.size()));
  } else if (announces(room)) {
    for (Session* member : rooms_.find(room)->members) member->send(departure);
  }
  if (session.closed) return;
  auto answer = EventBuffer::make(natter::EventKind::left);
  answer->set_ref(ref).set_room(room).set_user(session.user);
  session.send(answer);
}

void Broker::history(Session& session, const OwnedCommand& command) {
  if (!room_name_ok(session, command)) return;
  if (!is_member(session, command.room)) {
    session.send_error(command.ref, natter::ErrorCode::not_member,
                       "join room '" + command.room + "' to read its history");
    return;
  }
  std::uint32_t limit = command.limit ? command.limit : kDefaultHistoryPage;
  if (limit > settings_.history_page_max) limit = settings_.history_page_max;
  natter::HistoryQuery query{command.room, command.before, 0, limit};
  const std::uint64_t id = session.id();
  const auto asked = std::chrono::steady_clock::now();
  auto* read = new PageRead(loop_, [this, id, query, asked, room = command.room, ref = command.ref](
                                       natter::ErrorCode code, std::string detail,
                                       std::vector<StoredMessage> stored) {
    metrics_.history.observe(seconds_since(asked));
    Session* s = find_session(id);
    if (!s) return;
    if (code != natter::ErrorCode::none) {
      s->send_error(ref, natter::ErrorCode::unavailable, "history is unavailable: " + detail);
      return;
    }
    auto page = EventBuffer::make(natter::EventKind::history);
    page->set_ref(ref).set_room(room);
    page->set_messages(page_with_recent(query, room, stored));
    s->send(page);
  });
  parts_.storage.history(query, *read);
}

std::vector<StoredMessage> Broker::page_with_recent(natter::HistoryQuery query, const std::string& room,
                                                   const std::vector<StoredMessage>& stored) {
  // The captured query's room view pointed into a string that has moved.
  query.room = room;
  Room* r = rooms_.find(room);
  return merge_history_page(query, stored, r ? &r->recent : nullptr);
}

void Broker::deliver_message(const StoredMessage& message) {
  rooms_.remember(message);
  Room* room = rooms_.find(message.room);
  if (!room) return;
  auto event = EventBuffer::make(natter::EventKind::message);
  event->set_message(message.view());
  fanout_.deliver(room->members, event, message.room);
  deliveries_.add(room->members.size());
}

void Broker::end_session(Session& session) {
  session.closed = true;
  const std::vector<std::string> joined(session.rooms.begin(), session.rooms.end());
  for (const auto& room : joined) remove_from_room(session, room, {});
  session.link().detached();
  connections_.add(-1);
  sessions_.erase(session.id());
}

std::size_t Broker::drain(std::chrono::milliseconds deadline) {
  const auto until = std::chrono::steady_clock::now() + deadline;
  while (true) {
    std::promise<std::size_t> count;
    loop_.post([&] { count.set_value(sends_->in_flight()); });
    std::size_t pending = count.get_future().get();
    if (pending == 0 || std::chrono::steady_clock::now() >= until) return pending;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void Broker::replace_chains(std::vector<natter::RateLimiter*> limiters, std::vector<std::string> limiter_names,
                            std::vector<natter::Filter*> filters, std::vector<std::string> filter_names) {
  loop_.post([&] {
    parts_.limiters = std::move(limiters);
    parts_.filters = std::move(filters);
    parts_.limiter_names = std::move(limiter_names);
    parts_.filter_names = std::move(filter_names);
    ++parts_.chain_generation;
    metrics_.set_chains(parts_);
  });
  loop_.barrier();
}

}  // namespace natter::chat
