// natter.toml as an operator (or a bad deployment script) writes it: the
// broker's own table and a plugin's table checked against a plugin's
// declared keys. Every outcome is settings or a ConfigError, never a crash.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>

#include "config/config_error.hpp"
#include "config/config_table.hpp"
#include "config/settings.hpp"
#include "config/toml_document.hpp"

namespace {

// Keys of every type, as a plugin declares them.
constexpr natter::ConfigKey kPluginKeys[] = {
    {"listen", natter::KeyType::string, "127.0.0.1:8080", "a string"},
    {"queue_max", natter::KeyType::integer, "100", "an integer"},
    {"tls", natter::KeyType::boolean, "false", "a boolean"},
    {"ratio", natter::KeyType::floating, "0.5", "a float"},
    {"origins", natter::KeyType::string_list, "a,b", "a list"},
    {"path", natter::KeyType::string, nullptr, "required"},
};

const std::string& scratch_file() {
  static const std::string path = [] {
    char name[] = "/tmp/natter-fuzz-config-XXXXXX.toml";
    const int fd = mkstemps(name, 5);
    if (fd >= 0) close(fd);
    return std::string(name);
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string& path = scratch_file();
  if (FILE* f = std::fopen(path.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  try {
    (void)natter::config::load_settings(path);
  } catch (const natter::config::ConfigError&) {
  }
  try {
    const toml::value document = natter::config::parse_toml_file(path);
    std::vector<std::string> problems;
    if (document.is_table() && document.contains("storage")) {
      (void)natter::config::ConfigTable::validate(&document.at("storage"), "storage", "plugin 'fuzz'", kPluginKeys,
                                                  {}, problems);
    }
  } catch (const natter::config::ConfigError&) {
  }
  return 0;
}
