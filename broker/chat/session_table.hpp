#pragma once
// Every open session on this node, by id and by user. Continuations of
// plugin calls (a history read, an ack) find their session here by id,
// because the session may have ended by the time the plugin answers; a
// user's devices are found by user name. Owns the sessions; loop thread
// only.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chat/session.hpp"
#include "runtime/metrics.hpp"

namespace natter::chat {

class SessionTable {
 public:
  explicit SessionTable(runtime::MetricsRegistry& metrics);

  void add(std::unique_ptr<Session> session);
  // The open session with this id, or nullptr if it ended or is closing.
  Session* find(std::uint64_t id) const;
  // Frees the session: nothing may use it afterwards.
  void remove(Session& session);
  // The session is signed in as session.user now.
  void signed_in(Session& session);
  // The signed-in sessions of `user` on this node, in sign-in order.
  std::span<Session* const> of_user(std::string_view user) const;
  // Every user with a signed-in session.
  std::vector<std::string> users() const;

 private:
  struct NameHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept { return std::hash<std::string_view>{}(s); }
  };
  std::unordered_map<std::uint64_t, std::unique_ptr<Session>> sessions_;
  std::unordered_map<std::string, std::vector<Session*>, NameHash, std::equal_to<>> by_user_;
  runtime::GaugeMetric& connections_;
};

}  // namespace natter::chat
