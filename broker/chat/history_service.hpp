#pragma once
// A room's past as clients see it: `history` pages and the replay of
// missed messages on `join` with `since`. Both read a page from storage
// and merge it with the room's recent messages that storage may not have
// committed yet (write-behind), so a client never misses one. Where
// storage keeps edits and deletions, pages show each message as it now
// stands, and a replay also tells what changed among the messages the
// client saw before. Loop thread only; storage answers on any thread and
// hops here.

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

// What history is read from; borrowed.
struct HistoryStorage {
  natter::Storage& storage;
  natter::MessageRevisions* revisions;  // null: storage keeps no edits
  natter::MessageExtras* extras;        // null: no attachments to read back
};

class HistoryService {
 public:
  // Borrows everything; all of it outlives the service.
  HistoryService(const config::BrokerSettings& settings, HistoryStorage parts, SessionTable& sessions,
                 RoomDirectory& rooms, Outbox& outbox, BrokerMetrics& metrics, runtime::Executor& loop);

  // Answers a `history` command with a page, or an error.
  void page(Session& session, const OwnedCommand& command);
  // Sends `joined` (the answer to `command`, a join with since) saying
  // whether the replay is complete, then what the session missed in the
  // room since `command.since`: at most recovery_max messages, then the
  // changes to the ones it had; the room's live events wait behind it all,
  // so the client sees every message once, in order.
  void replay(Session& session, const OwnedCommand& command, EventRef joined);
  // Sends the room's live events held back for the session (see
  // Session::replaying), but for messages with ids up to `last`, which it
  // has; none are held any more.
  void release_held(Session& session, const std::string& room, std::uint64_t last);

 private:
  // What a read hands on: the session, if still open, and the merged page
  // (empty storage part when code says the read failed).
  using PageHandler =
      std::function<void(Session& session, natter::ErrorCode code, const std::string& detail,
                          std::vector<StoredMessage> page)>;
  void read(const Session& session, const natter::HistoryQuery& query, PageHandler then);
  // Hands `page` on once the attachments storage keeps are in it.
  void add_attachments(Session& session, const std::string& room, std::vector<StoredMessage> page,
                       PageHandler then);
  // The replay's second part: what changed up to `since`, then the live
  // events held back meanwhile.
  // What a replay read, on its way to the client.
  struct Replay {
    std::string room, ref;
    std::uint64_t since = 0;
    EventRef joined;
    std::vector<StoredMessage> missed, changed;
    bool complete = true;
    std::string failure;  // why storage could not say, if it could not
  };
  void read_revisions(Session& session, Replay replay);
  void finish(Session& session, Replay replay);

  const config::BrokerSettings& settings_;
  HistoryStorage parts_;
  SessionTable& sessions_;
  RoomDirectory& rooms_;
  Outbox& outbox_;
  BrokerMetrics& metrics_;
  runtime::Executor& loop_;
};

}  // namespace natter::chat
