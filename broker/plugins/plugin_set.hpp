#pragma once
// Every plugin the config names, loaded, configured and created (not yet
// started). Owns the instances and destroys them, in reverse order, through
// the plugin's own destroy entry point. Main thread only.

#include <memory>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "config/config_table.hpp"
#include "config/fault_policy.hpp"
#include "config/settings.hpp"
#include "plugins/plugin_host.hpp"
#include "plugins/plugin_loader.hpp"

namespace natter::plugins {

class PluginInstance {
 public:
  PluginInstance(LoadedLibrary library, config::PluginSpec spec,
                 std::unique_ptr<config::ConfigTable> config, std::unique_ptr<PluginHost> host,
                 config::FaultPolicy faults = {});
  ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  // Calls the descriptor's create(); throws PluginError with the reason.
  void create();

  template <class Kind>
  Kind& as() const {
    return *static_cast<Kind*>(instance_);
  }
  // The instance as an optional SDK interface (e.g. natter::Fanout), or
  // nullptr if the plugin has none or predates ABI 1.1.
  template <class Interface>
  Interface* query() const {
    return static_cast<Interface*>(query(Interface::kInterface));
  }
  natter::PluginKind kind() const { return spec_.kind; }
  // The SDK minor version the plugin was built against.
  std::uint32_t abi_minor() const { return library_.descriptor->abi_minor; }
  const std::string& name() const { return name_; }
  // Where natter.toml configures it: "storage", "ratelimit #2".
  const std::string& section() const { return spec_.section; }
  // Its [<section>.faults] table, read (meaningful for guarded kinds only).
  const config::FaultPolicy& faults() const { return faults_; }
  // "natter.toml:6: [storage] plugin 'sqlite' (/usr/lib/...so)": for errors.
  std::string label() const;

 private:
  void* query(const char* interface_name) const;

  LoadedLibrary library_;
  config::PluginSpec spec_;
  config::FaultPolicy faults_;
  std::string name_;
  std::unique_ptr<config::ConfigTable> config_;
  std::unique_ptr<PluginHost> host_;
  natter::Plugin* instance_ = nullptr;
};

// Loads, validates and creates the plugin `spec` names (not started).
// Appends every problem to `problems` and returns nullptr on any.
std::unique_ptr<PluginInstance> instantiate(const config::PluginSpec& spec, std::uint32_t node_id,
                                            const PluginLoader& loader, runtime::MetricsRegistry& metrics,
                                            std::vector<std::string>& problems);

class PluginSet {
 public:
  // Loads and creates every plugin in `settings`. Collects every problem
  // (unknown plugin, refused library, bad plugin config, failed create)
  // and throws config::ConfigError listing them all.
  PluginSet(const config::Settings& settings, const PluginLoader& loader,
            runtime::MetricsRegistry& metrics);
  ~PluginSet();  // destroys in reverse creation order

  // The plugins the broker calls without waiting for them. Those it waits
  // for (storage, auth, limiters, hooks, attachments) it reaches through
  // their fault guards, made from all() (faults::PluginGuards).
  natter::PubSub& pubsub() const;
  std::vector<natter::Filter*> filters() const;
  // Names of the plugins of `kind`, in config order.
  std::vector<std::string> names(natter::PluginKind kind) const;
  // The SDK minor each plugin of `kind` was built against, in config order.
  std::vector<std::uint32_t> abi_minors(natter::PluginKind kind) const;
  // Swaps every plugin of `kind` for `replacements` (a reload) and hands
  // back the old instances, for the caller to stop and destroy.
  std::vector<std::unique_ptr<PluginInstance>> replace(natter::PluginKind kind,
                                                       std::vector<std::unique_ptr<PluginInstance>> replacements);
  // In config order, with their instances for start/stop messages.
  const std::vector<std::unique_ptr<PluginInstance>>& all() const { return plugins_; }
  // The one instance of a single-plugin kind (storage, pubsub, auth).
  PluginInstance& single(natter::PluginKind kind) const;

 private:
  template <class Kind>
  std::vector<Kind*> every(natter::PluginKind kind) const;

  std::vector<std::unique_ptr<PluginInstance>> plugins_;
};

}  // namespace natter::plugins
