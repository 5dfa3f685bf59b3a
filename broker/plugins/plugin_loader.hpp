#pragma once
// Finding plugin files and loading them with Boost.DLL. A loaded library
// stays loaded until the process exits: no dlclose while anything might
// still run its code.

#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <natter/abi.hpp>

namespace natter::plugins {

// A refusal, worded for the operator: "<file>: <reason>".
class PluginError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LoadedLibrary {
  std::string path;
  const natter_plugin_descriptor* descriptor = nullptr;
};

class PluginLoader {
 public:
  // `dirs` are searched in order for plugins named without a path.
  explicit PluginLoader(std::vector<std::string> dirs);

  // The file for plugin `name` of `kind`: `name` itself if it contains a
  // '/', else natter_<kind>_<name>.so in the first directory that has it.
  std::string locate(natter::PluginKind kind, std::string_view name) const;

  // Loads `path` and checks its descriptor: it must exist, speak this
  // broker's ABI, declare a known kind (and `expected`, if given) and have
  // both entry points. Main thread.
  LoadedLibrary load(const std::string& path,
                     std::optional<natter::PluginKind> expected = std::nullopt) const;

  // Every natter_*.so in the search directories, for --list-plugins.
  std::vector<std::string> installed() const;


 private:
  std::vector<std::string> dirs_;
};

// The directories natterd searches: the config's plugin_dirs (relative to
// the config file), $NATTER_PLUGIN_PATH (colon-separated), the one beside
// the executable (<bindir>/../lib/natter/plugins), then the install's.
std::vector<std::string> plugin_search_dirs(const std::vector<std::string>& config_dirs,
                                            const std::string& config_path);

}  // namespace natter::plugins
