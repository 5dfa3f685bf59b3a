#include "config/toml_document.hpp"

#include <filesystem>
#include <sstream>

#include "config/config_error.hpp"

namespace natter::config {

namespace {

std::string first_line(const std::string& text) {
  return text.substr(0, text.find('\n'));
}

// toml11 says "[error] toml::parse_key_value_pair: missing value ..."; the
// operator needs only the part after the function name.
std::string syntax_summary(const std::string& what) {
  std::string line = first_line(what);
  if (auto colon = line.find(": "); colon != std::string::npos) line = line.substr(colon + 2);
  return line;
}

}  // namespace

ConfigError::ConfigError(std::vector<std::string> problems)
    : std::runtime_error(problems.empty() ? std::string("config error") : problems.front()),
      problems_(std::move(problems)) {}

toml::value parse_toml_file(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    throw ConfigError({path + ": cannot read config file (" +
                       (std::filesystem::exists(path, ec) ? "not a regular file" : "no such file") +
                       ")"});
  }
  try {
    return toml::parse(path);
  } catch (const toml::syntax_error& e) {
    const auto& loc = e.location();
    throw ConfigError({loc.file_name() + ":" + std::to_string(loc.line()) +
                       ": syntax error: " + syntax_summary(e.what())});
  } catch (const std::exception& e) {
    throw ConfigError({path + ": " + first_line(e.what())});
  }
}

std::string where(const toml::value& value) {
  const auto loc = value.location();
  return loc.file_name() + ":" + std::to_string(loc.line());
}

std::string spelled(const toml::value& value) {
  std::ostringstream out;
  out << value;
  std::string text = out.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace natter::config
