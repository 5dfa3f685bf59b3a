#pragma once
// natter.toml plus its drop-ins: every *.toml in conf.d/ beside the main
// file, merged in name order, so packages and operators can change the
// setup (a plugin's table, another backend) without editing natter.toml,
// a conffile. Later files win key by key and tables merge, except that a
// table naming another `plugin` than the earlier one replaces it whole;
// arrays of tables ([[filter]]) are appended. Every value keeps its own
// file and line for error messages.

#include <string>
#include <vector>

#include <toml.hpp>

namespace natter::config {

// The drop-in files that apply to `config_path`, in merge order.
std::vector<std::string> drop_in_files(const std::string& config_path);

// Parses `config_path` and merges its drop-ins; throws ConfigError.
toml::value parse_with_drop_ins(const std::string& config_path);

}  // namespace natter::config
