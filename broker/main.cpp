// natterd: command line, then hand over to Daemon.

#include <sys/stat.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <iostream>

#include <CLI/CLI.hpp>

#include "config/config_error.hpp"
#include "config/config_table.hpp"
#include "config/fault_policy.hpp"
#include "config/settings.hpp"
#include "daemon.hpp"
#include "plugins/plugin_loader.hpp"
#include "plugins/plugin_set.hpp"
#include "runtime/allocator.hpp"
#include "runtime/logging.hpp"
#include "runtime/metrics.hpp"

namespace {

constexpr const char* kDefaultConfig = "/etc/natter/natter.toml";

// Exit statuses as sysexits(3) names them, so scripts and systemd
// (RestartPreventExitStatus=) tell a mistake from a failure.
constexpr int kExitUsage = 64;   // EX_USAGE: a bad command line
constexpr int kExitConfig = 78;  // EX_CONFIG: the configuration is wrong

void print_problems(const natter::config::ConfigError& e) {
  for (const auto& problem : e.problems()) std::cerr << problem << "\n";
}

void print_keys(std::span<const natter::ConfigKey> keys) {
  for (const auto& key : keys) {
    static constexpr const char* kTypes[] = {"?", "string", "integer", "boolean", "number",
                                             "list of strings"};
    std::cout << "    " << key.name << " (" << kTypes[static_cast<int>(key.type)];
    if (key.default_value) {
      std::cout << ", default " << natter::config::default_as_toml(key);
    } else {
      std::cout << ", required";
    }
    std::cout << "): " << key.description << "\n";
  }
}

int list_plugins(const std::string& config_path) {
  std::vector<std::string> config_dirs;
  try {
    config_dirs = natter::config::load_settings(config_path).broker.plugin_dirs;
  } catch (const natter::config::ConfigError&) {
    // Listing still works from the built-in directories.
  }
  natter::plugins::PluginLoader loader(natter::plugins::plugin_search_dirs(config_dirs, config_path));
  std::cout << "broker settings [broker]\n";
  print_keys(natter::config::broker_keys());
  std::cout << "\nfault policy [<section>.faults]\n";
  print_keys(natter::config::fault_keys());
  int refused = 0;
  for (const auto& file : loader.installed()) {
    try {
      const auto& d = *loader.load(file).descriptor;
      std::cout << "\n" << d.name << "  " << natter::config::kind_name(static_cast<natter::PluginKind>(d.kind))
                << "  " << d.version << "  " << file << "\n";
      if (d.summary) std::cout << "  " << d.summary << "\n";
      print_keys({d.keys, d.key_count});
    } catch (const natter::plugins::PluginError& e) {
      std::cout << "\nrefused: " << e.what() << "\n";
      ++refused;
    }
  }
  return refused ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"natterd: a plugin-based chat broker"};
  std::string config_path = kDefaultConfig;
  bool check = false, list = false, version = false;
  int reload_pid = 0;
  app.add_option("-c,--config", config_path, "Config file")->capture_default_str();
  app.add_flag("--check-config", check, "Validate the config and its plugins, then exit");
  app.add_flag("--list-plugins", list, "List installed plugins and their config keys, then exit");
  app.add_flag("-V,--version", version, "Print the version, plugin ABI and malloc in use, then exit");
  app.add_option("--reload", reload_pid,
                 "Ask the natterd with this PID to reload its config (SIGHUP), then exit")
      ->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitUsage;
  }
  // What natterd creates (the SQLite file and its journals, sockets) is
  // for it and its group only, whether or not systemd set a umask.
  ::umask(027);

  if (reload_pid) {
    // systemd's ExecReload, without depending on /bin/kill.
    if (kill(reload_pid, SIGHUP) != 0) {
      std::cerr << "natterd: cannot signal " << reload_pid << ": " << std::strerror(errno) << "\n";
      return 1;
    }
    return 0;
  }

  if (version) {
    std::cout << "natterd " << NATTER_VERSION << " (plugin ABI " << natter::kAbiMajor << "."
              << natter::kAbiMinor << ")\n"
              << "allocator: " << natter::runtime::allocator_in_use() << "\n";
    return 0;
  }
  natter::runtime::init_logging();
  if (list) return list_plugins(config_path);

  // Before any plugin creates a thread, so only sigwait sees these.
  natter::block_termination_signals();
  try {
    auto settings = natter::config::load_settings(config_path);
    natter::runtime::set_log_level(settings.broker.log_level);
    if (check) {
      natter::runtime::MetricsRegistry metrics;
      natter::plugins::PluginLoader loader(
          natter::plugins::plugin_search_dirs(settings.broker.plugin_dirs, settings.path));
      natter::plugins::PluginSet plugins(settings, loader, metrics);
      std::cout << config_path << ": OK (" << plugins.all().size() << " plugins:";
      for (const auto& p : plugins.all()) {
        std::cout << " " << natter::config::kind_name(p->kind()) << "=" << p->name();
      }
      std::cout << ")\n";
      return 0;
    }
    natter::Daemon daemon(std::move(settings));
    return daemon.run();
  } catch (const natter::config::ConfigError& e) {
    print_problems(e);
    if (!check) std::cerr << "natterd: not started; fix the config above\n";
    return kExitConfig;
  }
}
