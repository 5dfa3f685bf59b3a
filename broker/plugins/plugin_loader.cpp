#include "plugins/plugin_loader.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <set>

#include <boost/dll/shared_library.hpp>

#include "config/settings.hpp"

namespace natter::plugins {

namespace fs = std::filesystem;

namespace {

// The libraries we loaded, never unloaded (see the header).
std::vector<boost::dll::shared_library>& resident_libraries() {
  static auto* libraries = new std::vector<boost::dll::shared_library>();
  return *libraries;
}

bool known_kind(std::uint32_t kind) { return kind >= 1 && kind <= 8; }

// The smallest descriptor a v1 plugin can have: everything up to destroy.
constexpr std::uint32_t kMinDescriptorSize =
    offsetof(natter_plugin_descriptor, destroy) + sizeof(natter_plugin_descriptor::destroy);

// Whether the plugin was built against the broker's standard library, as
// far as its descriptor says.
bool same_standard_library(const natter_plugin_descriptor& d) {
  constexpr std::uint32_t needed = offsetof(natter_plugin_descriptor, standard_library) +
                                   sizeof(natter_plugin_descriptor::standard_library);
  if (d.struct_size < needed) return true;
  return d.standard_library && std::string_view(d.standard_library) == natter::kStandardLibrary;
}

}  // namespace

PluginLoader::PluginLoader(std::vector<std::string> dirs) : dirs_(std::move(dirs)) {}

std::string PluginLoader::locate(natter::PluginKind kind, std::string_view name) const {
  if (name.find('/') != std::string_view::npos) return std::string(name);
  const std::string file =
      "natter_" + std::string(config::kind_name(kind)) + "_" + std::string(name) + ".so";
  std::error_code ec;
  for (const auto& dir : dirs_) {
    fs::path candidate = fs::path(dir) / file;
    if (fs::exists(candidate, ec)) return candidate.string();
  }
  std::string searched;
  for (const auto& dir : dirs_) searched += (searched.empty() ? "" : ", ") + dir;
  throw PluginError("no " + std::string(config::kind_name(kind)) + " plugin named '" +
                    std::string(name) + "' (looked for " + file + " in " + searched + ")");
}

LoadedLibrary PluginLoader::load(const std::string& path,
                                 std::optional<natter::PluginKind> expected) const {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) throw PluginError(path + ": no such file");

  boost::dll::shared_library library;
  boost::dll::fs::error_code load_error;
  library.load(path, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local,
               load_error);
  if (load_error) {
    // dlerror() text, e.g. "invalid ELF header" or a missing dependency.
    throw PluginError(path + ": not a loadable shared object (" + load_error.message() + ")");
  }
  if (!library.has(NATTER_DESCRIPTOR_SYMBOL)) {
    throw PluginError(path + ": not a natter plugin (no '" NATTER_DESCRIPTOR_SYMBOL
                      "' descriptor symbol)");
  }
  const auto& d = library.get<const natter_plugin_descriptor>(NATTER_DESCRIPTOR_SYMBOL);
  const std::string name = d.struct_size >= kMinDescriptorSize && d.name ? d.name : "?";
  if (d.abi_major != natter::kAbiMajor || d.abi_minor > natter::kAbiMinor) {
    throw PluginError(path + ": plugin '" + name + "' speaks plugin ABI " +
                      std::to_string(d.abi_major) + "." + std::to_string(d.abi_minor) +
                      ", this broker speaks " + std::to_string(natter::kAbiMajor) + "." +
                      std::to_string(natter::kAbiMinor) + " (rebuild it against this SDK)");
  }
  if (d.struct_size < kMinDescriptorSize || !d.name || !d.version || !d.create || !d.destroy ||
      (d.key_count && !d.keys)) {
    throw PluginError(path + ": plugin '" + name + "' has an incomplete descriptor");
  }
  if (!same_standard_library(d)) {
    // Calling into it would read every string_view the wrong way round.
    throw PluginError(path + ": plugin '" + name + "' was built against the C++ standard library " +
                      (d.standard_library ? d.standard_library : "(none named)") + ", natterd against " +
                      natter::kStandardLibrary +
                      "; std::string_view and std::span cross the plugin boundary and differ between them "
                      "(rebuild the plugin against " + natter::kStandardLibrary + ")");
  }
  if (!known_kind(d.kind)) {
    throw PluginError(path + ": plugin '" + name + "' declares unknown kind " +
                      std::to_string(d.kind) +
                      " (known: transport, storage, pubsub, filter, ratelimit, auth)");
  }
  const auto kind = static_cast<natter::PluginKind>(d.kind);
  if (expected && kind != *expected) {
    throw PluginError(path + ": plugin '" + name + "' is a " +
                      std::string(config::kind_name(kind)) + " plugin, not a " +
                      std::string(config::kind_name(*expected)) + " plugin");
  }
  resident_libraries().push_back(std::move(library));
  return {path, &d};
}

std::vector<std::string> PluginLoader::installed() const {
  std::vector<std::string> files;
  std::set<std::string> seen_names;
  std::error_code ec;
  for (const auto& dir : dirs_) {
    std::vector<std::string> here;
    for (const auto& entry : fs::directory_iterator(dir, ec)) {
      const std::string file = entry.path().filename().string();
      if (file.starts_with("natter_") && file.ends_with(".so") && seen_names.insert(file).second) {
        here.push_back(entry.path().string());
      }
    }
    std::sort(here.begin(), here.end());
    files.insert(files.end(), here.begin(), here.end());
  }
  return files;
}

std::vector<std::string> plugin_search_dirs(const std::vector<std::string>& config_dirs,
                                            const std::string& config_path) {
  std::vector<std::string> dirs;
  const fs::path config_dir = fs::path(config_path).parent_path();
  for (const auto& dir : config_dirs) {
    fs::path p(dir);
    dirs.push_back((p.is_relative() ? config_dir / p : p).lexically_normal().string());
  }
  if (const char* env = std::getenv("NATTER_PLUGIN_PATH")) {
    std::string_view rest(env);
    while (!rest.empty()) {
      auto colon = rest.find(':');
      if (auto dir = rest.substr(0, colon); !dir.empty()) dirs.emplace_back(dir);
      if (colon == std::string_view::npos) break;
      rest.remove_prefix(colon + 1);
    }
  }
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) dirs.push_back((exe.parent_path() / ".." / "lib" / "natter" / "plugins").lexically_normal().string());
  // Where the install put them, for chroots and containers without /proc.
  if (std::find(dirs.begin(), dirs.end(), NATTER_INSTALLED_PLUGIN_DIR) == dirs.end()) {
    dirs.emplace_back(NATTER_INSTALLED_PLUGIN_DIR);
  }
  return dirs;
}

}  // namespace natter::plugins
