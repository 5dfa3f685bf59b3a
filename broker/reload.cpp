#include "reload.hpp"

#include <unistd.h>

#include <csignal>

#include <algorithm>
#include <memory>
#include <string>

#include "chat/broker.hpp"
#include "config/toml_document.hpp"
#include "faults/plugin_guards.hpp"
#include "plugins/captured_text.hpp"
#include "plugins/plugin_set.hpp"
#include "runtime/logging.hpp"

namespace natter {

namespace {

using Instances = std::vector<std::unique_ptr<plugins::PluginInstance>>;

bool is_chain(natter::PluginKind kind) {
  return kind == natter::PluginKind::filter || kind == natter::PluginKind::ratelimit;
}

// A chain as it is configured: plugin name and table, in order.
std::vector<std::string> chain_of(const config::Settings& s, natter::PluginKind kind) {
  std::vector<std::string> out;
  for (const auto& spec : s.plugins) {
    if (spec.kind == kind) out.push_back(spec.name + " " + (spec.table ? config::spelled(*spec.table) : ""));
  }
  return out;
}

std::string names(const std::vector<std::string>& list) {
  std::string out = "[";
  for (const auto& n : list) out += (out.size() > 1 ? ", " : "") + n;
  return out + "]";
}

// Creates and starts the chain plugins of `fresh`; empty on failure, with
// what went wrong logged and everything it started stopped again.
bool build_chains(const config::Settings& fresh, Running& running, Instances& built) {
  std::vector<std::string> problems;
  plugins::PluginLoader loader(plugins::plugin_search_dirs(fresh.broker.plugin_dirs, fresh.path));
  for (const auto& spec : fresh.plugins) {
    if (!is_chain(spec.kind)) continue;
    if (auto instance = plugins::instantiate(spec, running.settings.broker.node_id, loader, running.metrics, problems)) {
      built.push_back(std::move(instance));
    }
  }
  for (std::size_t i = 0; problems.empty() && i < built.size(); ++i) {
    plugins::CapturedText why;
    auto& p = *built[i];
    const bool ok = p.kind() == natter::PluginKind::filter ? p.as<natter::Filter>().start(why)
                                                            : p.as<natter::RateLimiter>().start(why);
    if (!ok) {
      problems.push_back(p.label() + ": start failed: " + why.text);
      for (std::size_t j = i; j-- > 0;) built[j]->as<natter::Plugin>().stop();
    }
  }
  if (problems.empty()) return true;
  for (const auto& problem : problems) runtime::log().error("reload refused: {}", problem);
  built.clear();
  return false;
}

}  // namespace

bool reload(Running& running) {
  auto& log = runtime::log();
  config::Settings fresh;
  try {
    fresh = config::load_settings(running.settings.path);
  } catch (const std::exception& e) {
    log.error("reload refused, keeping the running config: {}", e.what());
    return false;
  }

  const bool chains_changed =
      chain_of(fresh, PluginKind::filter) != chain_of(running.settings, PluginKind::filter) ||
      chain_of(fresh, PluginKind::ratelimit) != chain_of(running.settings, PluginKind::ratelimit);
  Instances built;
  if (chains_changed && !build_chains(fresh, running, built)) return false;

  bool changed = false;
  if (fresh.broker.log_level != running.settings.broker.log_level) {
    log.info("reload: log_level {} -> {}", running.settings.broker.log_level, fresh.broker.log_level);
    runtime::set_log_level(fresh.broker.log_level);
    running.settings.broker.log_level = fresh.broker.log_level;
    changed = true;
  }
  if (chains_changed) {
    std::vector<const plugins::PluginInstance*> limiter_instances;
    std::vector<natter::Filter*> filters;
    std::vector<std::string> limiter_names, filter_names;
    std::vector<std::uint32_t> limiter_minors;
    Instances new_limiters, new_filters;
    for (auto& instance : built) {
      if (instance->kind() == PluginKind::filter) {
        filters.push_back(&instance->as<natter::Filter>());
        filter_names.push_back(instance->name());
        new_filters.push_back(std::move(instance));
      } else {
        limiter_instances.push_back(instance.get());
        limiter_names.push_back(instance->name());
        limiter_minors.push_back(instance->abi_minor());
        new_limiters.push_back(std::move(instance));
      }
    }
    log.info("reload: filters {} -> {}, rate limiters {} -> {}",
             names(running.plugins.names(PluginKind::filter)), names(filter_names),
             names(running.plugins.names(PluginKind::ratelimit)), names(limiter_names));
    running.broker.replace_chains(
        {running.guards.limiters(limiter_instances), std::move(filters), std::move(limiter_names), std::move(filter_names),
         std::move(limiter_minors)});
    // The loop no longer calls the old chain: stop it and let it go.
    auto& started = running.started;
    std::erase_if(started, [](auto* p) { return is_chain(p->kind()); });
    for (auto kind : {PluginKind::ratelimit, PluginKind::filter}) {
      Instances& fresh_chain = kind == PluginKind::filter ? new_filters : new_limiters;
      for (auto& p : fresh_chain) started.push_back(p.get());
      Instances old = running.plugins.replace(kind, std::move(fresh_chain));
      for (auto it = old.rbegin(); it != old.rend(); ++it) (*it)->as<natter::Plugin>().stop();
    }
    // Later reloads compare against what now runs.
    running.settings.plugins = fresh.plugins;
    running.settings.document = fresh.document;
    changed = true;
  }
  // Plugins that read files of their own (certificates, lists) re-read them.
  bool all_reloaded = true;
  for (auto* instance : running.started) {
    auto* reloadable = instance->query<natter::Reloadable>();
    if (!reloadable) continue;
    plugins::CapturedText why;
    if (reloadable->reload(why)) {
      log.debug("reload: {} re-read its files", instance->label());  // it says what changed
    } else {
      log.error("reload refused by {}, which keeps what it had: {}", instance->label(), why.text);
      all_reloaded = false;
    }
  }
  if (!changed) log.info("reload: nothing in the config that can change live has changed");
  return all_reloaded;
}

std::optional<bool> ReloadRequests::request(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const std::uint64_t before = finished_;
  ::kill(::getpid(), SIGHUP);
  if (!done_.wait_for(lock, timeout, [&] { return finished_ > before; })) return std::nullopt;
  return last_ok_;
}

void ReloadRequests::finished(bool ok) {
  {
    std::lock_guard lock(mutex_);
    ++finished_;
    last_ok_ = ok;
  }
  done_.notify_all();
}

}  // namespace natter
