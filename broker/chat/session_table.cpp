#include "chat/session_table.hpp"

namespace natter::chat {

SessionTable::SessionTable(runtime::MetricsRegistry& metrics)
    : connections_(metrics.gauge("natter_connections", "Open client sessions")) {}

void SessionTable::add(std::unique_ptr<Session> session) {
  const std::uint64_t id = session->id();
  sessions_.emplace(id, std::move(session));
  connections_.add(1);
}

Session* SessionTable::find(std::uint64_t id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() || it->second->closed ? nullptr : it->second.get();
}

void SessionTable::remove(Session& session) {
  if (auto it = by_user_.find(session.user); !session.user.empty() && it != by_user_.end()) {
    std::erase(it->second, &session);
    if (it->second.empty()) by_user_.erase(it);
  }
  if (sessions_.erase(session.id())) connections_.add(-1);
}

void SessionTable::signed_in(Session& session) { by_user_[session.user].push_back(&session); }

std::span<Session* const> SessionTable::of_user(std::string_view user) const {
  auto it = by_user_.find(user);
  if (it == by_user_.end()) return {};
  return it->second;
}

std::vector<std::string> SessionTable::users() const {
  std::vector<std::string> users;
  users.reserve(by_user_.size());
  for (const auto& [user, sessions] : by_user_) {
    if (!sessions.empty()) users.push_back(user);
  }
  return users;
}

}  // namespace natter::chat
