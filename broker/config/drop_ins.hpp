#pragma once
// natter.toml plus its drop-ins: every *.toml in conf.d/ beside the main
// file, merged in name order, so packages can ship defaults (a plugin's
// table, a filter) without editing the operator's file. Later files win
// key by key; tables merge; arrays of tables ([[filter]]) are appended.
// Every value keeps its own file and line for error messages.

#include <string>
#include <vector>

#include <toml.hpp>

namespace natter::config {

// The drop-in files that apply to `config_path`, in merge order.
std::vector<std::string> drop_in_files(const std::string& config_path);

// Parses `config_path` and merges its drop-ins; throws ConfigError.
toml::value parse_with_drop_ins(const std::string& config_path);

}  // namespace natter::config
