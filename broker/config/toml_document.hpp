#pragma once
// Reading natter.toml with toml11, and pointing at places in it.

#include <string>
#include <string_view>

#include <toml.hpp>

namespace natter::config {

// Parses `path`; a missing file or a syntax error becomes a ConfigError
// naming file and line.
toml::value parse_toml_file(const std::string& path);

// "file:line" of a parsed value.
std::string where(const toml::value& value);

// How a value is spelled in TOML, for "got ..." in error messages.
std::string spelled(const toml::value& value);

}  // namespace natter::config
