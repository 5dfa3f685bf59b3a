#pragma once
// A plugin for a benchmark: found, loaded, configured from a file of its
// own keys, created and started exactly as natterd does, and stopped and
// destroyed when it goes. Main thread.

#include <stdexcept>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "config/config_table.hpp"
#include "config/settings.hpp"
#include "config/toml_document.hpp"
#include "plugins/captured_text.hpp"
#include "plugins/plugin_host.hpp"
#include "plugins/plugin_loader.hpp"
#include "runtime/metrics.hpp"

namespace natter::bench {

// Kind: the plugin kind's interface (natter::Storage, natter::Filter, ...).
template <class Kind>
class BenchPlugin {
 public:
  // Throws std::runtime_error saying why the plugin cannot run.
  BenchPlugin(natter::PluginKind kind, const std::string& name, const std::string& config_path)
      : library_(load(kind, name, config_path)),
        document_(natter::config::parse_toml_file(config_path)),
        config_(natter::config::ConfigTable::validate(
            &document_, std::string(natter::config::kind_name(kind)), name,
            {library_.descriptor->keys, library_.descriptor->key_count}, {}, problems_)),
        host_(name, 1, metrics_) {
    if (!problems_.empty()) throw std::runtime_error(problems_.front());
    natter::plugins::CapturedText why;
    instance_ = library_.descriptor->create(&host_, &config_, &why);
    if (!instance_ || !get().start(why)) {
      if (instance_) library_.descriptor->destroy(instance_);
      throw std::runtime_error("cannot start " + name + ": " + why.text);
    }
  }
  ~BenchPlugin() {
    instance_->stop();
    library_.descriptor->destroy(instance_);
  }
  BenchPlugin(const BenchPlugin&) = delete;
  BenchPlugin& operator=(const BenchPlugin&) = delete;

  Kind& get() { return *static_cast<Kind*>(instance_); }

 private:
  static natter::plugins::LoadedLibrary load(natter::PluginKind kind, const std::string& name,
                                             const std::string& config_path) {
    const natter::plugins::PluginLoader loader(natter::plugins::plugin_search_dirs({}, config_path));
    return loader.load(loader.locate(kind, name), kind);
  }

  natter::plugins::LoadedLibrary library_;
  const toml::value document_;
  std::vector<std::string> problems_;
  natter::config::ConfigTable config_;
  natter::runtime::MetricsRegistry metrics_;
  natter::plugins::PluginHost host_;
  natter::Plugin* instance_ = nullptr;
};

}  // namespace natter::bench
