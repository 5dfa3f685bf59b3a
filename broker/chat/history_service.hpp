#pragma once
// A room's past as clients see it: `history` pages and the replay of
// missed messages on `join` with `since`. Both read a page from storage
// and merge it with the room's recent messages that storage may not have
// committed yet (write-behind), so a client never misses one. Loop thread
// only; storage answers on any thread and hops here.

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include <natter/storage.hpp>

#include "chat/broker_metrics.hpp"
#include "chat/outbox.hpp"
#include "chat/room_directory.hpp"
#include "chat/session.hpp"
#include "chat/session_table.hpp"
#include "chat/stored_message.hpp"
#include "config/settings.hpp"
#include "runtime/executor.hpp"

namespace natter::chat {

class HistoryService {
 public:
  // Borrows everything; all of it outlives the service.
  HistoryService(const config::BrokerSettings& settings, natter::Storage& storage, SessionTable& sessions,
                 RoomDirectory& rooms, Outbox& outbox, BrokerMetrics& metrics, runtime::Executor& loop);

  // Answers a `history` command with a page, or an error.
  void page(Session& session, const OwnedCommand& command);
  // Sends what the session missed in `command.room` since `command.since`,
  // holding the room's live messages back until that is out, so the
  // client sees every message once, in order.
  void replay(Session& session, const OwnedCommand& command);

 private:
  // What a read hands on: the session, if still open, and the merged page
  // (empty storage part when code says the read failed).
  using PageHandler =
      std::function<void(Session& session, natter::ErrorCode code, const std::string& detail,
                          std::vector<StoredMessage> page)>;
  void read(const Session& session, const natter::HistoryQuery& query, PageHandler then);

  const config::BrokerSettings& settings_;
  natter::Storage& storage_;
  SessionTable& sessions_;
  RoomDirectory& rooms_;
  Outbox& outbox_;
  BrokerMetrics& metrics_;
  runtime::Executor& loop_;
};

}  // namespace natter::chat
