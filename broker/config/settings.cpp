#include "config/settings.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "config/config_error.hpp"
#include "config/drop_ins.hpp"
#include "config/toml_document.hpp"

namespace natter::config {

namespace {

constexpr natter::ConfigKey kBrokerKeys[] = {
    {"node_id", KeyType::integer, "1",
     "This node's id, 0-1023; unique per node, it is part of every message id"},
    {"plugin_dirs", KeyType::string_list, "",
     "Extra directories searched for plugins by name, before the built-in one"},
    {"log_level", KeyType::string, "info", "trace, debug, info, warn or error"},
    {"ack_after", KeyType::string, "persisted",
     "\"persisted\": ack a send once storage committed it; \"accepted\": once it has an id"},
    {"drain_timeout_ms", KeyType::integer, "10000",
     "On SIGTERM, how long to wait for clients and storage before exiting anyway"},
    {"history_page_max", KeyType::integer, "200", "Largest history page a client may ask for"},
    {"recovery_max", KeyType::integer, "1000",
     "Most messages replayed to a client that rejoins with 'since'"},
    {"recent_per_room", KeyType::integer, "256",
     "Recent messages kept in memory per room, so recovery sees what storage has not committed"},
    {"max_rooms_per_session", KeyType::integer, "100", "Rooms one connection may join"},
    {"remembered_refs", KeyType::integer, "100000",
     "Recent send refs this node remembers, so a retried send is answered with its first id instead of being stored twice"},
    {"announce_max_members", KeyType::integer, "1000",
     "Rooms with more members on this node do not announce joins and leaves, nor list members to a joiner"},
    {"max_room_name_bytes", KeyType::integer, "128", "Longest room name, in UTF-8 bytes"},
    {"typing_ttl_ms", KeyType::integer, "6000",
     "How long a 'typing' lasts unless the client repeats it; clients are told this as ttl_ms"},
    {"typing_batch_ms", KeyType::integer, "250",
     "Typing news for a room is gathered this long and sent as one event, so a typing storm costs one event per room per batch"},
    {"implicit_rooms", KeyType::boolean, "true",
     "Joining a room nobody created creates it (public, without an owner); false: only create_room does"},
    {"max_sessions_per_user", KeyType::integer, "10",
     "Sessions one user may hold at once (devices); one more is refused with 'forbidden'"},
    {"password_retry_ms", KeyType::integer, "1000",
     "After a wrong room password, that user's next try at that room waits this long, doubling with each wrong one (up to a minute)"},
    {"rate_limited_close_after", KeyType::integer, "20",
     "A session the rate limiters refuse this many times in a row is closed with 4029; 0: never"},
    {"offline_after_ms", KeyType::integer, "5000",
     "A user whose last session ended shows offline this much later, unless they are back by then"},
    {"node_timeout_ms", KeyType::integer, "3000",
     "Another node that has not been heard from this long counts as gone: its users show offline here (nodes say they live every node_timeout_ms / 3)"},
    {"admin_listen", KeyType::string, "127.0.0.1:9090",
     "Address of /healthz, /readyz and /metrics (\"\" turns it off); keep it off public networks"},
    {"admin_token_file", KeyType::string, "",
     "File holding the token natterctl must show for commands that change state (and, off loopback, for all); "
     "empty: such commands are refused"},
};

// The roles a config fills: [storage] etc. hold one plugin, [[transport]]
// etc. hold any number. Start order: backends before the transports that
// let clients in.
struct Role {
  std::string_view section;
  natter::PluginKind kind;
  bool many;
  const char* default_plugin;  // for a single role left out of the file
};
constexpr std::array kRoles = {
    Role{"storage", PluginKind::storage, false, "sqlite"},
    Role{"pubsub", PluginKind::pubsub, false, "local"},
    Role{"auth", PluginKind::auth, false, "anonymous"},
    Role{"ratelimit", PluginKind::ratelimit, true, nullptr},
    Role{"filter", PluginKind::filter, true, nullptr},
    Role{"attachments", PluginKind::attachments, false, nullptr},
    Role{"hook", PluginKind::hook, true, nullptr},
    Role{"transport", PluginKind::transport, true, nullptr},
};

bool in_range(const ConfigTable& table, std::string_view key, std::int64_t low, std::int64_t high,
              std::vector<std::string>& problems) {
  std::int64_t value = table.get_int(key);
  if (value >= low && value <= high) return true;
  problems.push_back(table.location_of(key) + "must be between " + std::to_string(low) +
                     " and " + std::to_string(high) + " (got " + std::to_string(value) + ")");
  return false;
}

// "host:port", "[v6]:port", or "" for no admin listener.
void read_admin_listen(const ConfigTable& t, BrokerSettings& s, std::vector<std::string>& problems) {
  std::string_view listen = t.get_string("admin_listen");
  if (listen.empty()) return;
  const auto colon = listen.rfind(':');
  std::string_view host = colon == std::string_view::npos ? std::string_view() : listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  unsigned port = 0;
  const auto digits = colon == std::string_view::npos ? std::string_view() : listen.substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (host.empty() || digits.empty() || ec != std::errc() || end != digits.data() + digits.size() || port > 65535) {
    problems.push_back(t.location_of("admin_listen") + "must be \"host:port\" or \"\" (got \"" +
                       std::string(listen) + "\")");
    return;
  }
  s.admin_host = std::string(host);
  s.admin_port = port;
}

BrokerSettings read_broker(const toml::value* table, std::vector<std::string>& problems) {
  ConfigTable t = ConfigTable::validate(table, "broker", "the broker", kBrokerKeys, {}, problems);
  BrokerSettings s;
  if (in_range(t, "node_id", 0, 1023, problems)) s.node_id = t.get_int("node_id");
  for (std::size_t i = 0; i < t.list_size("plugin_dirs"); ++i) {
    s.plugin_dirs.emplace_back(t.list_item("plugin_dirs", i));
  }
  s.log_level = t.get_string("log_level");
  if (s.log_level != "trace" && s.log_level != "debug" && s.log_level != "info" &&
      s.log_level != "warn" && s.log_level != "error") {
    problems.push_back(t.location_of("log_level") +
                       "must be one of trace, debug, info, warn, error (got \"" + s.log_level +
                       "\")");
  }
  std::string_view ack = t.get_string("ack_after");
  if (ack == "accepted") {
    s.ack_after = AckAfter::accepted;
  } else if (ack != "persisted") {
    problems.push_back(t.location_of("ack_after") +
                       "must be \"persisted\" or \"accepted\" (got \"" + std::string(ack) + "\")");
  }
  auto positive = [&](std::string_view key, std::uint32_t& out, std::int64_t high) {
    if (in_range(t, key, 1, high, problems)) out = static_cast<std::uint32_t>(t.get_int(key));
  };
  positive("drain_timeout_ms", s.drain_timeout_ms, 3'600'000);
  read_admin_listen(t, s, problems);
  s.admin_token_file = t.get_string("admin_token_file");
  positive("history_page_max", s.history_page_max, 10'000);
  positive("recovery_max", s.recovery_max, 100'000);
  positive("recent_per_room", s.recent_per_room, 100'000);
  positive("max_rooms_per_session", s.max_rooms_per_session, 100'000);
  positive("remembered_refs", s.remembered_refs, 10'000'000);
  positive("announce_max_members", s.announce_max_members, 10'000'000);
  positive("max_room_name_bytes", s.max_room_name_bytes, 1024);
  positive("typing_ttl_ms", s.typing_ttl_ms, 600'000);
  positive("typing_batch_ms", s.typing_batch_ms, 60'000);
  s.implicit_rooms = t.get_bool("implicit_rooms");
  positive("max_sessions_per_user", s.max_sessions_per_user, 10'000);
  positive("password_retry_ms", s.password_retry_ms, 60'000);
  positive("offline_after_ms", s.offline_after_ms, 3'600'000);
  if (in_range(t, "node_timeout_ms", 300, 600'000, problems)) {
    s.node_timeout_ms = static_cast<std::uint32_t>(t.get_int("node_timeout_ms"));
  }
  if (in_range(t, "rate_limited_close_after", 0, 1'000'000, problems)) {
    s.rate_limited_close_after = static_cast<std::uint32_t>(t.get_int("rate_limited_close_after"));
  }
  return s;
}

// The `plugin = "name"` key of one role's table.
void read_plugin(const Role& role, const toml::value& table, std::string section,
                 std::vector<PluginSpec>& specs, std::vector<std::string>& problems) {
  if (!table.is_table()) {
    problems.push_back(where(table) + ": [" + section + "] must be a table (got " +
                       spelled(table) + ")");
    return;
  }
  if (!table.contains("plugin")) {
    problems.push_back(where(table) + ": [" + section +
                       "] missing required key 'plugin' (which " +
                       std::string(kind_name(role.kind)) + " plugin to load)");
    return;
  }
  const toml::value& name = table.as_table().at("plugin");
  if (!name.is_string() || name.as_string().str.empty()) {
    problems.push_back(where(name) + ": [" + section +
                       "] key 'plugin' must be a non-empty string (got " + spelled(name) + ")");
    return;
  }
  specs.push_back({role.kind, name.as_string().str, std::move(section), where(name), &table});
}

}  // namespace

std::span<const natter::ConfigKey> broker_keys() { return kBrokerKeys; }

std::string_view kind_name(natter::PluginKind kind) {
  switch (kind) {
    case PluginKind::transport: return "transport";
    case PluginKind::storage: return "storage";
    case PluginKind::pubsub: return "pubsub";
    case PluginKind::filter: return "filter";
    case PluginKind::ratelimit: return "ratelimit";
    case PluginKind::auth: return "auth";
    case PluginKind::attachments: return "attachments";
    case PluginKind::hook: return "hook";
  }
  return "unknown";
}

Settings load_settings(const std::string& path) {
  Settings settings;
  settings.path = path;
  settings.document = std::make_shared<const toml::value>(parse_with_drop_ins(path));
  const toml::value& root = *settings.document;
  std::vector<std::string> problems;

  const auto& top = root.as_table();
  auto broker_it = top.find("broker");
  if (broker_it != top.end() && !broker_it->second.is_table()) {
    problems.push_back(where(broker_it->second) + ": 'broker' must be a table: write [broker]");
  } else {
    settings.broker = read_broker(broker_it == top.end() ? nullptr : &broker_it->second, problems);
  }

  for (const Role& role : kRoles) {
    auto it = top.find(std::string(role.section));
    const std::string section(role.section);
    if (it == top.end()) {
      if (role.default_plugin) {
        settings.plugins.push_back({role.kind, role.default_plugin, section, path, nullptr});
      }
      continue;
    }
    const toml::value& value = it->second;
    if (!role.many) {
      read_plugin(role, value, section, settings.plugins, problems);
      continue;
    }
    if (!value.is_array()) {
      problems.push_back(where(value) + ": '" + section +
                         "' holds any number of plugins: write [[" + section + "]], not [" +
                         section + "]");
      continue;
    }
    const auto& entries = value.as_array();
    for (std::size_t i = 0; i < entries.size(); ++i) {
      std::string label = section + (entries.size() > 1 ? " #" + std::to_string(i + 1) : "");
      read_plugin(role, entries[i], std::move(label), settings.plugins, problems);
    }
  }

  bool has_transport = false;
  for (const auto& spec : settings.plugins) has_transport |= spec.kind == PluginKind::transport;
  if (!has_transport && problems.empty()) {
    problems.push_back(path + ": no [[transport]] configured, so no client could connect");
  }

  std::vector<std::pair<std::uint32_t, std::string>> unknown;
  for (const auto& [name, value] : top) {
    bool known = name == "broker";
    for (const Role& role : kRoles) known |= name == role.section;
    if (!known) {
      unknown.emplace_back(value.location().line(),
                           where(value) + ": unknown section '" + name +
                               "' (known: broker, storage, pubsub, auth, ratelimit, filter, "
                               "attachments, hook, transport)");
    }
  }
  std::sort(unknown.begin(), unknown.end());
  for (auto& [line, message] : unknown) problems.push_back(std::move(message));

  if (!problems.empty()) throw ConfigError(std::move(problems));
  return settings;
}

}  // namespace natter::config
