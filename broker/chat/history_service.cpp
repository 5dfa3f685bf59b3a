#include "chat/history_service.hpp"

#include <algorithm>
#include <chrono>

#include "chat/attachment_completions.hpp"
#include "chat/history_merge.hpp"
#include "chat/loop_completions.hpp"

namespace natter::chat {

namespace {

constexpr std::uint32_t kDefaultHistoryPage = 50;

// HistoryQuery's after_id, for "the messages after `id`". A query's
// after_id of 0 means "no lower bound, newest first", so "after 0" (from
// the very beginning) asks for the messages after id 1: no snowflake is
// that small (it would be node 0's first id in 2024-01-01's first
// millisecond).
std::uint64_t after_id_for(std::uint64_t id) { return id == 0 ? 1 : id; }

}  // namespace

HistoryService::HistoryService(const config::BrokerSettings& settings, HistoryStorage parts, SessionTable& sessions,
                               RoomDirectory& rooms,
                               Outbox& outbox, BrokerMetrics& metrics, runtime::Executor& loop)
    : settings_(settings),
      parts_(parts),
      sessions_(sessions),
      rooms_(rooms),
      outbox_(outbox),
      metrics_(metrics),
      loop_(loop) {}

void HistoryService::page(Session& session, const OwnedCommand& command) {
  if (!session.joined(command.room)) {
    outbox_.send_error(session, command.ref, natter::ErrorCode::not_member,
                       "join room '" + command.room + "' to read its history");
    return;
  }
  if (command.has_after && command.before) {
    outbox_.send_error(session, command.ref, natter::ErrorCode::bad_request,
                       "give 'before' (pages back from the newest) or 'after' (pages forward), not both");
    return;
  }
  std::uint32_t limit = command.limit ? command.limit : kDefaultHistoryPage;
  if (limit > settings_.history_page_max) limit = settings_.history_page_max;
  // One message more than the page tells whether there is more.
  const natter::HistoryQuery query{command.room, command.before,
                                   command.has_after ? after_id_for(command.after) : 0, limit + 1};
  read(session, query,
       [this, room = command.room, ref = command.ref, limit, forward = command.has_after](
           Session& s, natter::ErrorCode code, const std::string& detail, std::vector<StoredMessage> messages) {
         if (code != natter::ErrorCode::none) {
           outbox_.send_error(s, ref, natter::ErrorCode::unavailable, "history is unavailable: " + detail);
           return;
         }
         const bool more = messages.size() > limit;
         if (more && forward) {
           messages.pop_back();  // the newest is the next page's first
         } else if (more) {
           messages.erase(messages.begin());  // the oldest is the previous page's last
         }
         auto page = EventBuffer::make(natter::EventKind::history);
         page->set_ref(ref).set_room(room);
         page->set_messages(std::move(messages), more);
         outbox_.send(s, page);
       });
}

void HistoryService::replay(Session& session, const OwnedCommand& command, EventRef joined) {
  session.replaying[command.room];
  // The commands after the join wait for the replay: their answers come
  // after it, so a client knows when it has everything.
  session.hold();
  Replay replay{command.room, command.ref, command.since, std::move(joined), {}, {}, true, {}};
  // One message more than a replay carries tells whether it carries all.
  read(session, {command.room, 0, after_id_for(command.since), settings_.recovery_max + 1},
       [this, replay = std::move(replay)](Session& s, natter::ErrorCode code, const std::string& detail,
                                          std::vector<StoredMessage> missed) mutable {
         if (!s.holds_back(replay.room)) return s.resume();  // left meanwhile
         if (code != natter::ErrorCode::none) {
           replay.complete = false;
           replay.failure = detail;
           return finish(s, std::move(replay));
         }
         if (missed.size() > settings_.recovery_max) {
           missed.resize(settings_.recovery_max);
           replay.complete = false;
         }
         replay.missed = std::move(missed);
         if (parts_.revisions && replay.since != 0) return read_revisions(s, std::move(replay));
         finish(s, std::move(replay));
       });
}

void HistoryService::read_revisions(Session& session, Replay replay) {
  const std::string room = replay.room;
  const std::uint64_t since = replay.since;
  auto* read = new PageRead(loop_, [this, id = session.id(), replay = std::move(replay)](
                                             natter::ErrorCode code, std::string, std::vector<StoredMessage> changed) mutable {
    Session* s = sessions_.find(id);
    if (!s) return;
    if (!s->holds_back(replay.room)) return s->resume();
    // A failed read costs the client these corrections, not the messages:
    // it hears of later edits live, and history shows them.
    if (code != natter::ErrorCode::none || changed.size() > settings_.recovery_max) {
      replay.complete = false;
      changed.resize(std::min<std::size_t>(changed.size(), settings_.recovery_max));
    }
    replay.changed = std::move(changed);
    finish(*s, std::move(replay));
  });
  parts_.revisions->revised_since(room, since, settings_.recovery_max + 1, *read);
}

void HistoryService::finish(Session& session, Replay replay) {
  const std::uint64_t last = replay.missed.empty() ? replay.since : replay.missed.back().id;
  replay.joined->set_recovery(replay.complete, last);
  outbox_.send(session, replay.joined);
  if (!replay.failure.empty()) {
    outbox_.send_error(session, replay.ref, natter::ErrorCode::unavailable,
                       "could not replay missed messages: " + replay.failure);
  }
  for (const auto& m : replay.missed) {
    auto event = EventBuffer::make(natter::EventKind::message);
    event->set_stored(m);
    outbox_.send(session, event);
  }
  for (const auto& m : replay.changed) {
    auto event = EventBuffer::make(m.mark.deleted ? natter::EventKind::deleted : natter::EventKind::edited);
    event->set_message(m.view(), m.mark);
    outbox_.send(session, event);
  }
  release_held(session, replay.room, last);
  session.resume();
}

void HistoryService::release_held(Session& session, const std::string& room, std::uint64_t last) {
  auto held = session.replaying.find(room);
  if (held == session.replaying.end()) return;
  std::vector<EventRef> live = std::move(held->second);
  session.replaying.erase(held);
  for (const auto& event : live) {
    // Messages the replay sent already are not sent twice; anything else
    // (an edit, a deletion, a read marker) was not part of it.
    if (event->event().kind != natter::EventKind::message || event->event().message.id > last) {
      outbox_.send(session, event);
    }
  }
}

void HistoryService::read(const Session& session, const natter::HistoryQuery& query, PageHandler then) {
  const auto asked = std::chrono::steady_clock::now();
  PageRead::Continuation next = [this, id = session.id(), query = natter::HistoryQuery(query),
                                 room = std::string(query.room), asked, then = std::move(then)](
                                    natter::ErrorCode code, std::string detail,
                                    std::vector<StoredMessage> stored) mutable {
    metrics_.history.observe(std::chrono::duration<double>(std::chrono::steady_clock::now() - asked).count());
    Session* s = sessions_.find(id);
    if (!s) return;
    // The captured query's room view pointed into a string that has moved.
    query.room = room;
    Room* recent = rooms_.find(room);
    auto page = merge_history_page(query, stored, recent ? &recent->recent : nullptr);
    if (code != natter::ErrorCode::none) return then(*s, code, detail, std::move(page));
    add_attachments(*s, room, std::move(page), std::move(then));
  };
  if (parts_.revisions) {
    parts_.revisions->marked_history(query, *new PageRead(loop_, std::move(next)));
  } else {
    parts_.storage.history(query, *new PageRead(loop_, std::move(next)));
  }
}

void HistoryService::add_attachments(Session& session, const std::string& room, std::vector<StoredMessage> page,
                                     PageHandler then) {
  // Messages still in memory carry theirs; storage has the others'.
  std::vector<std::uint64_t> ids;
  for (const auto& m : page) {
    if (m.attachments.empty() && !m.mark.deleted) ids.push_back(m.id);
  }
  if (!parts_.extras || ids.empty()) return then(session, natter::ErrorCode::none, {}, std::move(page));
  parts_.extras->extras_of(
      room, ids,
      *new ExtrasRead(loop_, [this, id = session.id(), page = std::move(page),
                              then = std::move(then)](ExtrasRead::Found found) mutable {
        Session* s = sessions_.find(id);
        if (!s) return;
        for (auto& [message_id, list] : found) {
          for (auto& m : page) {
            if (m.id == message_id && m.attachments.empty()) m.attachments = std::move(list);
          }
        }
        then(*s, natter::ErrorCode::none, {}, std::move(page));
      }));
}

}  // namespace natter::chat
