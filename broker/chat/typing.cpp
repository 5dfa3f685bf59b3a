#include "chat/typing.hpp"

#include <algorithm>

namespace natter::chat {

Typing::Typing(const config::BrokerSettings& settings, RoomDirectory& rooms, Outbox& outbox, ClusterBus& cluster,
               runtime::Timers& timers, runtime::MetricsRegistry& metrics)
    : settings_(settings),
      rooms_(rooms),
      outbox_(outbox),
      cluster_(cluster),
      timers_(timers),
      events_(metrics.counter("natter_typing_events_total", "Typing events sent to rooms, each one batch")) {}

void Typing::typed(Session& session, const OwnedCommand& command) {
  if (!session.joined(command.room)) {
    outbox_.send_error(session, command.ref, natter::ErrorCode::not_member,
                       "join room '" + command.room + "' before typing in it");
    return;
  }
  if (command.stopped) {
    stop(session.user, command.room);
    return;
  }
  start(session.user, command.room);
  cluster_.typing({command.room, session.user, false});
}

void Typing::stop(const std::string& user, const std::string& room) {
  if (end(user, room)) cluster_.typing({room, user, true});
}

void Typing::heard(const BusTyping& typing) {
  if (typing.stopped) {
    end(typing.user, typing.room);
  } else if (rooms_.find(typing.room)) {
    start(typing.user, typing.room);
  }
}

void Typing::start(const std::string& user, const std::string& room) {
  auto& typing = typing_[room];
  typing.typists[user] = Clock::now() + std::chrono::milliseconds(settings_.typing_ttl_ms);
  batch_later(room, typing);
}

bool Typing::end(const std::string& user, const std::string& room) {
  auto it = typing_.find(room);
  if (it == typing_.end() || it->second.typists.erase(user) == 0) return false;
  batch_later(room, it->second);
  return true;
}

void Typing::check_at(const std::string& room, RoomTyping& typing, Clock::time_point when) {
  if (typing.next_check <= when) return;
  typing.next_check = when;
  typing.check = ++checks_;
  timers_.at(when, [this, room, check = typing.check] { this->check(room, check); });
}

void Typing::batch_later(const std::string& room, RoomTyping& typing) {
  check_at(room, typing, std::max(Clock::now(), typing.last_batch + std::chrono::milliseconds(settings_.typing_batch_ms)));
}

void Typing::check(const std::string& room, std::uint64_t check) {
  auto it = typing_.find(room);
  if (it == typing_.end() || it->second.check != check) return;  // a check since replaced by a sooner one
  RoomTyping& typing = it->second;
  typing.next_check = Clock::time_point::max();
  const auto now = Clock::now();
  std::erase_if(typing.typists, [now](const auto& typist) { return typist.second <= now; });
  std::vector<std::string> typists;
  for (const auto& [user, until] : typing.typists) typists.push_back(user);
  if (typists != typing.told) {
    if (const Room* members = rooms_.find(room)) {
      auto event = EventBuffer::make(natter::EventKind::typing);
      event->set_room(room).set_members(typists).set_ttl_ms(settings_.typing_ttl_ms);
      outbox_.deliver(members->members, event, {});
      events_.add(1);
    }
    typing.told = std::move(typists);
    typing.last_batch = now;
  }
  if (typing.typists.empty()) {
    typing_.erase(it);
    return;
  }
  // Typists who stop without saying so drop out when their time is up.
  auto first_to_expire = std::min_element(typing.typists.begin(), typing.typists.end(),
                                          [](const auto& a, const auto& b) { return a.second < b.second; });
  check_at(room, typing,
           std::max(first_to_expire->second, typing.last_batch + std::chrono::milliseconds(settings_.typing_batch_ms)));
}

}  // namespace natter::chat
