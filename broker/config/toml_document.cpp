#include "config/toml_document.hpp"

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
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

// Where `text` stops being UTF-8 (TOML must be), or npos. Checked before
// toml11 sees the text: it reads past the end of its buffer on some
// malformed sequences (found by tests/fuzz/fuzz_config).
std::size_t invalid_utf8_at(const std::string& text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    std::size_t more = 0;
    std::uint32_t lowest = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      more = 1, lowest = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      more = 2, lowest = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      more = 3, lowest = 0x10000;
    } else {
      return i;
    }
    if (i + more >= n) return i;  // cut short by the end
    std::uint32_t code = c & (0x3F >> more);
    for (std::size_t k = 1; k <= more; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) return i;
      code = (code << 6) | (s[i + k] & 0x3F);
    }
    if (code < lowest || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return i;
    i += more + 1;
  }
  return std::string::npos;
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
  std::ifstream file(path, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  if (const std::size_t at = invalid_utf8_at(text); at != std::string::npos) {
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(at), '\n');
    throw ConfigError({path + ":" + std::to_string(line) + ": not UTF-8 (byte " + std::to_string(at) +
                       "); TOML files are UTF-8"});
  }
  try {
    std::istringstream in(text);
    return toml::parse(in, path);
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
