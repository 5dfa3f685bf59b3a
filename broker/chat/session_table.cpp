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
  if (sessions_.erase(session.id())) connections_.add(-1);
}

}  // namespace natter::chat
