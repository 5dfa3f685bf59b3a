#include "operator_ops.hpp"

#include <unistd.h>

#include <csignal>
#include <future>
#include <memory>

#include <boost/json.hpp>
#include <natter/abi.hpp>

#include "chat/broker.hpp"
#include "faults/plugin_guards.hpp"
#include "plugins/plugin_set.hpp"
#include "runtime/logging.hpp"

namespace natter {

namespace json = boost::json;
using admin::AdminReply;

namespace {

// How long the API waits for the broker's loop, and for a reload.
constexpr auto kLoopTimeout = std::chrono::seconds(5);
constexpr auto kReloadTimeout = std::chrono::seconds(30);

AdminReply reply(const json::value& body, unsigned status = 200) { return {status, json::serialize(body)}; }
AdminReply busy() { return {503, admin::json_error("the broker did not answer in time; try again")}; }

json::object room_object(const chat::DeskRoom& r) {
  return {{"room", r.name}, {"kind", r.kind}, {"owner", r.owner}, {"members", r.members},
          {"sessions_here", r.sessions_here}};
}

}  // namespace

OperatorOps::OperatorOps(const config::Settings& settings, const plugins::PluginSet& plugins,
                         const faults::PluginGuards& guards, chat::Broker& broker, ReloadRequests& reloads)
    : settings_(settings), plugins_(plugins), guards_(guards), broker_(broker), reloads_(reloads) {}

AdminReply OperatorOps::status() {
  const auto loop = broker_.operate(
      [this](chat::OperatorDesk& desk) { return std::make_pair(desk.summary(), broker_.sends_in_flight()); },
      kLoopTimeout);
  if (!loop) return busy();
  const auto& [summary, in_flight] = *loop;
  json::array plugins;
  const auto breakers = guards_.snapshot();
  for (const auto& instance : plugins_.all()) {
    json::object plugin{{"kind", config::kind_name(instance->kind())},
                        {"name", instance->name()},
                        {"abi", "1." + std::to_string(instance->abi_minor())}};
    for (const auto& b : breakers) {
      if (b.section != instance->section()) continue;
      plugin["breaker"] = json::object{{"state", faults::state_name(b.state)},
                                       {"trips", b.trips},
                                       {"on_failure", b.fail_open ? "fail_open" : "fail_closed"}};
    }
    plugins.push_back(std::move(plugin));
  }
  const auto uptime = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::steady_clock::now() - started_);
  return reply(json::object{
      {"version", NATTER_VERSION},
      {"abi", std::to_string(natter::kAbiMajor) + "." + std::to_string(natter::kAbiMinor)},
      {"node", settings_.broker.node_id},
      {"uptime_s", uptime.count()},
      {"plugins", std::move(plugins)},
      {"sessions", summary.sessions},
      {"users", summary.users},
      {"rooms", summary.rooms},
      {"rooms_here", summary.rooms_here},
      {"cluster_nodes", summary.cluster_nodes},
      {"queues", json::object{{"sends_in_flight", in_flight}}},
  });
}

AdminReply OperatorOps::rooms() {
  const auto rooms = broker_.operate([](chat::OperatorDesk& desk) { return desk.rooms(); }, kLoopTimeout);
  if (!rooms) return busy();
  json::array out;
  for (const auto& r : *rooms) out.push_back(room_object(r));
  return reply(json::object{{"rooms", std::move(out)}});
}

AdminReply OperatorOps::room(std::string_view name) {
  const auto found = broker_.operate(
      [name = std::string(name)](chat::OperatorDesk& desk) {
        chat::DeskRoom room;
        auto members = desk.room(name, room);
        return std::make_pair(room, members);
      },
      kLoopTimeout);
  if (!found) return busy();
  const auto& [room, members] = *found;
  if (!members) return {404, admin::json_error("there is no room '" + std::string(name) + "'")};
  json::object out = room_object(room);
  json::array list;
  for (const auto& m : *members) {
    json::object member{{"user", m.user}, {"role", m.role}, {"online", m.online}, {"sessions_here", m.sessions_here}};
    if (m.last_seen_ms) member["last_seen"] = m.last_seen_ms;
    list.push_back(std::move(member));
  }
  out["member_list"] = std::move(list);
  return reply(out);
}

AdminReply OperatorOps::sessions() {
  const auto sessions = broker_.operate([](chat::OperatorDesk& desk) { return desk.sessions(); }, kLoopTimeout);
  if (!sessions) return busy();
  json::array out;
  for (const auto& s : *sessions) {
    json::array rooms;
    for (const auto& r : s.rooms) rooms.push_back(json::string(r));
    out.push_back(json::object{{"id", std::to_string(s.id)}, {"user", s.user}, {"address", s.remote_address},
                               {"rooms", std::move(rooms)}});
  }
  return reply(json::object{{"sessions", std::move(out)}});
}

AdminReply OperatorOps::kick(std::string_view user) {
  const auto closed = broker_.operate([user = std::string(user)](chat::OperatorDesk& desk) { return desk.kick(user); },
                                      kLoopTimeout);
  if (!closed) return busy();
  runtime::log().info("admin: closed {} sessions of '{}'", *closed, user);
  return reply(json::object{{"user", user}, {"closed", *closed}});
}

AdminReply OperatorOps::broadcast(std::string_view room, std::string_view text) {
  struct Outcome {
    natter::ErrorCode code;
    std::string detail;
    std::uint64_t id;
  };
  auto outcome = std::make_shared<std::promise<Outcome>>();
  auto ready = outcome->get_future();
  const auto started = broker_.operate(
      [room = std::string(room), text = std::string(text), outcome](chat::OperatorDesk& desk) {
        desk.broadcast(room, text, [outcome](natter::ErrorCode code, std::string detail, std::uint64_t id) {
          outcome->set_value({code, std::move(detail), id});
        });
        return true;
      },
      kLoopTimeout);
  if (!started || ready.wait_for(kLoopTimeout) != std::future_status::ready) return busy();
  const Outcome o = ready.get();
  if (o.code == natter::ErrorCode::no_such_room) return {404, admin::json_error(o.detail)};
  if (o.code != natter::ErrorCode::none) return {503, admin::json_error("storage did not take it: " + o.detail)};
  runtime::log().info("admin: system message {} in '{}'", o.id, room);
  return reply(json::object{{"room", room}, {"id", std::to_string(o.id)}});
}

AdminReply OperatorOps::reload() {
  const std::optional<bool> ok = reloads_.request(kReloadTimeout);
  if (!ok) return busy();
  if (!*ok) return {409, admin::json_error("the reload was refused; natterd's log says why, and nothing changed")};
  return reply(json::object{{"reloaded", true}});
}

AdminReply OperatorOps::drain() {
  runtime::log().info("admin: drain requested");
  ::kill(::getpid(), SIGTERM);
  return reply(json::object{{"draining", true}}, 202);
}

}  // namespace natter
