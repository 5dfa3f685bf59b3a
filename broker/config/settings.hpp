#pragma once
// natter.toml as the broker understands it: the [broker] table and which
// plugin fills each role. Built once at start-up; immutable afterwards.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <natter/abi.hpp>
#include <toml.hpp>

#include "config/config_table.hpp"

namespace natter::config {

enum class AckAfter { persisted, accepted };

struct BrokerSettings {
  std::uint32_t node_id = 1;
  std::vector<std::string> plugin_dirs;
  std::string log_level = "info";
  AckAfter ack_after = AckAfter::persisted;
  std::uint32_t drain_timeout_ms = 10000;
  std::uint32_t history_page_max = 200;
  std::uint32_t recovery_max = 1000;
  std::uint32_t recent_per_room = 256;
  std::uint32_t max_rooms_per_session = 100;
  // Sends whose refs are remembered, newest first: about 100 bytes each.
  std::uint32_t remembered_refs = 100'000;
  // Announcing every join to every member costs O(members^2) events as a
  // big room fills; beyond this many members on this node, joins and leaves
  // go unannounced and a joiner gets no member list.
  std::uint32_t announce_max_members = 1000;
  std::uint32_t max_room_name_bytes = 128;
  std::uint32_t typing_ttl_ms = 6000;
  // Typing news is sent per room at most once per batch: a storm of typists
  // costs one event per member per batch, not one per keystroke.
  std::uint32_t typing_batch_ms = 250;
  // Joining a room nobody created creates it (public, ownerless), as
  // natter did before rooms had kinds.
  bool implicit_rooms = true;
  std::uint32_t max_sessions_per_user = 10;
  std::uint32_t password_retry_ms = 1000;
  // Refusals in a row that close a session (4029); 0: never.
  std::uint32_t rate_limited_close_after = 20;
  // A user whose last session ended shows offline only this much later, so
  // a phone that reconnects at once never flaps.
  std::uint32_t offline_after_ms = 5000;
  // Another node silent this long is gone, and its users with it.
  std::uint32_t node_timeout_ms = 3000;
  std::string admin_host;  // empty: no admin listener
  unsigned admin_port = 0;
  std::string admin_token_file;  // empty: no token, so the admin API changes nothing
};

// One plugin the config asks for, before it is loaded.
struct PluginSpec {
  natter::PluginKind kind;
  std::string name;     // a bundled name ("sqlite") or a path to a .so
  std::string section;  // "storage", "transport #2": how errors name it
  std::string origin;   // "file:line" of the `plugin =` key or the section
  const toml::value* table = nullptr;  // nullptr: absent, defaults only
};

struct Settings {
  std::string path;
  std::shared_ptr<const toml::value> document;  // owns what specs point into
  BrokerSettings broker;
  std::vector<PluginSpec> plugins;  // in start order
};

// The keys of [broker], declared like a plugin's so they are validated and
// listed the same way.
std::span<const natter::ConfigKey> broker_keys();

// Reads and checks `path` with its conf.d/*.toml drop-ins; throws
// ConfigError listing every problem found.
Settings load_settings(const std::string& path);

std::string_view kind_name(natter::PluginKind kind);

}  // namespace natter::config
