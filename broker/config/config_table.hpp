#pragma once
// One validated config table: a [section] of natter.toml checked against
// the keys its owner declares (the broker for [broker], a plugin for its
// own table), with defaults filled in. Implements the SDK's PluginConfig so
// a plugin reads exactly what was validated. Immutable after validate();
// safe to read from any thread.

#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <natter/abi.hpp>
#include <toml.hpp>

namespace natter::config {

class ConfigTable final : public natter::PluginConfig {
 public:
  // One validated value; public for the parsing helpers.
  struct Entry {
    natter::KeyType type = natter::KeyType::string;
    std::string text;
    std::int64_t integer = 0;
    bool boolean = false;
    double floating = 0;
    std::vector<std::string> list;
    std::uint32_t line = 0;  // 0: the default, not from a file
    std::string file;        // where the value was set (a drop-in may differ from the section's)
  };

  // Checks `table` (nullptr: the section is absent, defaults only) against
  // `keys`. Keys in `reserved` belong to the broker (e.g. "plugin") and are
  // skipped. Each problem is appended to `problems` as a printable line;
  // `owner` names who declared the keys, for "unknown key" messages.
  static ConfigTable validate(const toml::value* table, std::string section,
                              std::string_view owner, std::span<const natter::ConfigKey> keys,
                              std::span<const std::string_view> reserved,
                              std::vector<std::string>& problems);

  std::string_view get_string(std::string_view key) const noexcept override;
  std::int64_t get_int(std::string_view key) const noexcept override;
  bool get_bool(std::string_view key) const noexcept override;
  double get_double(std::string_view key) const noexcept override;
  std::size_t list_size(std::string_view key) const noexcept override;
  std::string_view list_item(std::string_view key, std::size_t index) const noexcept override;
  void locate(std::string_view key, natter::Diagnostic& out) const noexcept override;

  // "file:line: [section] key 'key': " (the line of the key if set, else
  // of the section).
  std::string location_of(std::string_view key) const;

 private:

  const Entry* find(std::string_view key, natter::KeyType type) const noexcept;

  std::string file_;
  std::uint32_t section_line_ = 0;
  std::string section_;
  std::map<std::string, Entry, std::less<>> entries_;
};

// A key's default as TOML spells it ("\"/ws\"", "8080", "true",
// "[\"a\", \"b\"]"), for --list-plugins; "" for a required key.
std::string default_as_toml(const natter::ConfigKey& key);

// The declared key closest to `name` by edit distance, if it is close
// enough to be a likely typo; empty otherwise.
std::string closest_key(std::string_view name, std::span<const natter::ConfigKey> keys);

}  // namespace natter::config
