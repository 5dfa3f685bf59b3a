#include "chat/presence.hpp"

#include <algorithm>
#include <chrono>

#include "runtime/logging.hpp"

namespace natter::chat {

namespace {
// Users one presence op may ask about.
constexpr std::size_t kMostAskedAbout = 500;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Presence::Presence(const config::BrokerSettings& settings, const RoomCatalog& catalog, RoomDirectory& rooms,
                   SessionTable& sessions, Outbox& outbox, ClusterBus& cluster, runtime::Timers& timers,
                   runtime::MetricsRegistry& metrics)
    : settings_(settings),
      catalog_(catalog),
      rooms_(rooms),
      sessions_(sessions),
      outbox_(outbox),
      cluster_(cluster),
      timers_(timers),
      roster_(std::chrono::milliseconds(settings.node_timeout_ms)),
      events_(metrics.counter("natter_presence_events_total", "Presence events handed to sessions")),
      nodes_(metrics.gauge("natter_cluster_nodes", "Other nodes heard from within node_timeout_ms")) {}

void Presence::start() { beat(); }

void Presence::signed_in(const std::string& user) {
  if (sessions_.of_user(user).size() != 1) return;  // online already
  cluster_.presence({BusPresence::What::online, {user}, 0});
  if (!roster_.online_elsewhere(user)) came_online(user);
}

void Presence::came_online(const std::string& user) {
  auto it = away_.find(user);
  const bool shown_offline = it == away_.end() || it->second.check == 0;
  // Back within the debounce: the pending check finds them online and is
  // void; nobody ever saw them go.
  if (it != away_.end()) away_.erase(it);
  if (shown_offline) tell(user, true, 0);
}

void Presence::session_ended(const std::string& user) {
  if (user.empty() || !sessions_.of_user(user).empty()) return;
  const std::int64_t now = now_ms();
  cluster_.presence({BusPresence::What::offline, {user}, now});
  if (!roster_.online_elsewhere(user)) went_away(user, now);
}

void Presence::went_away(const std::string& user, std::int64_t since_ms) {
  const std::uint64_t check = ++checks_;
  away_[user] = {since_ms, check};
  timers_.at(runtime::Timers::Clock::now() + std::chrono::milliseconds(settings_.offline_after_ms),
             [this, user, check] { went_offline(user, check); });
}

void Presence::went_offline(const std::string& user, std::uint64_t check) {
  auto it = away_.find(user);
  if (it == away_.end() || it->second.check != check || online(user)) return;
  it->second.check = 0;
  tell(user, false, it->second.since_ms);
}

void Presence::heard(std::uint32_t node, const BusPresence& presence) {
  if (roster_.heard_from(node, NodeRoster::Clock::now(), now_ms())) {
    // A node that is new here, or back: it learns who is on this one.
    runtime::log().info("node {} joined the cluster", node);
    nodes_.set(static_cast<std::int64_t>(roster_.nodes()));
    tell_cluster();
  }
  const auto here = [this](const std::string& user) { return !sessions_.of_user(user).empty(); };
  switch (presence.what) {
    case BusPresence::What::heartbeat: return;
    case BusPresence::What::online:
      for (const auto& user : presence.users) {
        if (roster_.add(node, user) && !here(user)) came_online(user);
      }
      return;
    case BusPresence::What::offline:
      for (const auto& user : presence.users) {
        if (roster_.remove(node, user) && !here(user)) went_away(user, presence.last_seen_ms);
      }
      return;
    case BusPresence::What::snapshot_after_gap:
      runtime::log().info("node {} was cut off from the pub/sub backend: reading back what it published", node);
      if (peer_gap_) peer_gap_(node);
      [[fallthrough]];
    case BusPresence::What::snapshot:
      for (const auto& [user, on] : roster_.replace(node, presence.users)) {
        if (here(user)) continue;
        if (on) {
          came_online(user);
        } else {
          went_away(user, now_ms());
        }
      }
      return;
  }
}

void Presence::tell_cluster(bool after_gap) {
  cluster_.presence({after_gap ? BusPresence::What::snapshot_after_gap : BusPresence::What::snapshot,
                     sessions_.users(), 0});
}

void Presence::beat() {
  cluster_.presence({BusPresence::What::heartbeat, {}, 0});
  for (const NodeRoster::Gone& gone : roster_.expire(NodeRoster::Clock::now())) {
    runtime::log().warn("node {} has not been heard from for {} ms: its {} users show offline", gone.node,
                        settings_.node_timeout_ms, gone.users.size());
    for (const auto& user : gone.users) {
      if (sessions_.of_user(user).empty()) went_away(user, gone.last_heard_unix_ms);
    }
  }
  nodes_.set(static_cast<std::int64_t>(roster_.nodes()));
  timers_.at(runtime::Timers::Clock::now() + std::chrono::milliseconds(settings_.node_timeout_ms / 3),
             [this] { beat(); });
}

std::int64_t Presence::last_seen_ms(const std::string& user) const {
  auto it = away_.find(user);
  return it == away_.end() || online(user) ? 0 : it->second.since_ms;
}

void Presence::tell(const std::string& user, bool is_online, std::int64_t last_seen) {
  audience_.clear();
  for (const std::string* room : catalog_.rooms_of(user)) {
    const RoomRecord* record = catalog_.find(*room);
    if (!record || record->members.size() > settings_.announce_max_members) continue;
    const Room* present = rooms_.find(*room);
    if (!present) continue;
    for (Session* s : present->members) {
      if (s->user != user) audience_.push_back(s);
    }
  }
  if (audience_.empty()) return;
  std::sort(audience_.begin(), audience_.end());
  audience_.erase(std::unique(audience_.begin(), audience_.end()), audience_.end());
  auto event = EventBuffer::make(natter::EventKind::presence);
  event->set_member_list({{user, {}, is_online, last_seen}});
  outbox_.deliver(audience_, event, {});
  events_.add(audience_.size());
}

void Presence::ask(Session& session, const OwnedCommand& command) {
  if (command.users.size() > kMostAskedAbout) {
    outbox_.send_error(session, command.ref, natter::ErrorCode::bad_request,
                       "ask about at most " + std::to_string(kMostAskedAbout) + " users at once");
    return;
  }
  std::vector<MemberSummary> answer;
  answer.reserve(command.users.size());
  for (const auto& user : command.users) answer.push_back({user, {}, online(user), last_seen_ms(user)});
  auto event = EventBuffer::make(natter::EventKind::presence);
  event->set_ref(command.ref).set_member_list(std::move(answer));
  outbox_.send(session, event);
}

}  // namespace natter::chat
