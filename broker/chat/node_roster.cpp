#include "chat/node_roster.hpp"

namespace natter::chat {

bool NodeRoster::heard_from(std::uint32_t node, Clock::time_point now, std::int64_t now_unix_ms) {
  auto [it, fresh] = nodes_.try_emplace(node);
  it->second.last_heard = now;
  it->second.last_heard_unix_ms = now_unix_ms;
  return fresh;
}

bool NodeRoster::add(std::uint32_t node, const std::string& user) {
  auto& on = nodes_[node].users;
  if (!on.insert(user).second) return false;
  return users_[user]++ == 0;
}

bool NodeRoster::remove(std::uint32_t node, const std::string& user) {
  auto n = nodes_.find(node);
  if (n == nodes_.end() || n->second.users.erase(user) == 0) return false;
  auto u = users_.find(user);
  if (u == users_.end() || --u->second > 0) return false;
  users_.erase(u);
  return true;
}

std::vector<std::pair<std::string, bool>> NodeRoster::replace(std::uint32_t node,
                                                              const std::vector<std::string>& users) {
  std::vector<std::pair<std::string, bool>> changed;
  const std::set<std::string, std::less<>> now(users.begin(), users.end());
  const std::set<std::string, std::less<>> before = nodes_[node].users;
  for (const auto& user : before) {
    if (!now.contains(user) && remove(node, user)) changed.emplace_back(user, false);
  }
  for (const auto& user : now) {
    if (add(node, user)) changed.emplace_back(user, true);
  }
  return changed;
}

std::vector<NodeRoster::Gone> NodeRoster::expire(Clock::time_point now) {
  std::vector<Gone> gone;
  for (auto it = nodes_.begin(); it != nodes_.end();) {
    if (now - it->second.last_heard <= timeout_) {
      ++it;
      continue;
    }
    Gone g{it->first, it->second.last_heard_unix_ms, {}};
    const std::set<std::string, std::less<>> users = it->second.users;
    for (const auto& user : users) {
      if (remove(it->first, user)) g.users.push_back(user);
    }
    it = nodes_.erase(it);
    gone.push_back(std::move(g));
  }
  return gone;
}

}  // namespace natter::chat
