#pragma once
// The other nodes of the cluster as presence sees them: which are alive
// (heard from within node_timeout_ms) and which users have sessions on
// each. A user is online elsewhere while any live node says so. Plain
// state: Presence feeds it what the other nodes publish and asks it who
// went away. Loop thread only.

#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace natter::chat {

class NodeRoster {
 public:
  using Clock = std::chrono::steady_clock;
  explicit NodeRoster(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  // `node` is alive now; true if it was not known (new, or back after it
  // was given up).
  bool heard_from(std::uint32_t node, Clock::time_point now, std::int64_t now_unix_ms);
  // `user` has a session on `node`; true if no other node had one.
  bool add(std::uint32_t node, const std::string& user);
  // `user` has none on `node` any more; true if no other node has one.
  bool remove(std::uint32_t node, const std::string& user);
  // `node` has sessions of exactly `users`: the users it newly has (true)
  // or no longer has (false) who, with it, appeared or left the cluster
  // outside this node.
  std::vector<std::pair<std::string, bool>> replace(std::uint32_t node, const std::vector<std::string>& users);
  bool online_elsewhere(std::string_view user) const { return users_.find(user) != users_.end(); }

  struct Gone {
    std::uint32_t node = 0;
    std::int64_t last_heard_unix_ms = 0;
    std::vector<std::string> users;  // now online on no other node
  };
  // Forgets nodes not heard from within the timeout.
  std::vector<Gone> expire(Clock::time_point now);
  std::size_t nodes() const noexcept { return nodes_.size(); }

 private:
  struct Node {
    Clock::time_point last_heard;
    std::int64_t last_heard_unix_ms = 0;
    std::set<std::string, std::less<>> users;
  };
  std::chrono::milliseconds timeout_;
  std::map<std::uint32_t, Node> nodes_;
  std::map<std::string, std::uint32_t, std::less<>> users_;  // user: on how many live nodes
};

}  // namespace natter::chat
