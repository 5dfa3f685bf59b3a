#pragma once
// Every open session on this node, by id. Continuations of plugin calls
// (a history read, an ack) find their session here by id, because the
// session may have ended by the time the plugin answers. Owns the
// sessions; loop thread only.

#include <cstdint>
#include <memory>
#include <unordered_map>

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

 private:
  std::unordered_map<std::uint64_t, std::unique_ptr<Session>> sessions_;
  runtime::GaugeMetric& connections_;
};

}  // namespace natter::chat
