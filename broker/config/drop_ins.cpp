#include "config/drop_ins.hpp"

#include <algorithm>
#include <filesystem>

#include "config/toml_document.hpp"

namespace natter::config {

namespace fs = std::filesystem;

namespace {

bool is_array_of_tables(const toml::value& v) {
  return v.is_array() && !v.as_array().empty() &&
         std::all_of(v.as_array().begin(), v.as_array().end(), [](const auto& e) { return e.is_table(); });
}

// A later table that names another plugin than the earlier one is for
// that plugin alone: the earlier plugin's keys would be unknown to it, and
// TOML has no way to unset them.
bool names_another_plugin(const toml::value& earlier, const toml::value& later) {
  const auto& later_table = later.as_table();
  const auto plugin = later_table.find("plugin");
  if (plugin == later_table.end()) return false;
  const auto& earlier_table = earlier.as_table();
  const auto earlier_plugin = earlier_table.find("plugin");
  return earlier_plugin == earlier_table.end() || !(earlier_plugin->second == plugin->second);
}

void merge_into(toml::value& into, const toml::value& from) {
  for (const auto& [key, value] : from.as_table()) {
    auto& table = into.as_table();
    auto existing = table.find(key);
    if (existing == table.end()) {
      table.emplace(key, value);
    } else if (existing->second.is_table() && value.is_table()) {
      if (names_another_plugin(existing->second, value)) {
        existing->second = value;
      } else {
        merge_into(existing->second, value);
      }
    } else if (is_array_of_tables(existing->second) && is_array_of_tables(value)) {
      for (const auto& entry : value.as_array()) existing->second.as_array().push_back(entry);
    } else {
      existing->second = value;
    }
  }
}

}  // namespace

std::vector<std::string> drop_in_files(const std::string& config_path) {
  std::vector<std::string> files;
  const fs::path dir = fs::path(config_path).parent_path() / "conf.d";
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".toml" && entry.is_regular_file(ec)) files.push_back(entry.path().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

toml::value parse_with_drop_ins(const std::string& config_path) {
  toml::value merged = parse_toml_file(config_path);
  for (const auto& file : drop_in_files(config_path)) merge_into(merged, parse_toml_file(file));
  return merged;
}

}  // namespace natter::config
