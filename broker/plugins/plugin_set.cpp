#include "plugins/plugin_set.hpp"

#include <cstddef>

#include "config/config_error.hpp"
#include "plugins/captured_text.hpp"

namespace natter::plugins {

namespace {

// Config keys the broker reads itself from every plugin table.
constexpr std::string_view kReservedKeys[] = {"plugin", "faults"};

}  // namespace

PluginInstance::PluginInstance(LoadedLibrary library, config::PluginSpec spec,
                               std::unique_ptr<config::ConfigTable> config,
                               std::unique_ptr<PluginHost> host, config::FaultPolicy faults)
    : library_(std::move(library)),
      spec_(std::move(spec)),
      faults_(faults),
      name_(library_.descriptor->name),
      config_(std::move(config)),
      host_(std::move(host)) {}

PluginInstance::~PluginInstance() {
  if (instance_) library_.descriptor->destroy(instance_);
}

void PluginInstance::create() {
  CapturedText why;
  instance_ = library_.descriptor->create(host_.get(), config_.get(), &why);
  if (!instance_) {
    // A natter::ConfigError from the plugin already says file, line and key.
    if (why.text.find(": [" + spec_.section + "] key '") != std::string::npos) throw PluginError(why.text);
    throw PluginError(label() + ": " + (why.text.empty() ? "create failed" : why.text));
  }
}

void* PluginInstance::query(const char* interface_name) const {
  const auto& d = *library_.descriptor;
  // A 1.0 descriptor ends before query: never read past struct_size.
  constexpr std::size_t kWithQuery = offsetof(natter_plugin_descriptor, query) + sizeof(d.query);
  if (d.abi_minor < 1 || d.struct_size < kWithQuery || !d.query) return nullptr;
  return d.query(instance_, interface_name);
}

std::string PluginInstance::label() const {
  return spec_.origin + ": [" + spec_.section + "] plugin '" + name_ + "' (" + library_.path + ")";
}

std::unique_ptr<PluginInstance> instantiate(const config::PluginSpec& spec, std::uint32_t node_id,
                                            const PluginLoader& loader, runtime::MetricsRegistry& metrics,
                                            std::vector<std::string>& problems) {
  LoadedLibrary library;
  try {
    library = loader.load(loader.locate(spec.kind, spec.name), spec.kind);
  } catch (const PluginError& e) {
    problems.push_back(spec.origin + ": [" + spec.section + "] plugin '" + spec.name + "': " + e.what());
    return nullptr;
  }
  const auto& d = *library.descriptor;
  const std::size_t before = problems.size();
  auto table = std::make_unique<config::ConfigTable>(config::ConfigTable::validate(
      spec.table, spec.section, "plugin '" + std::string(d.name) + "'", {d.keys, d.key_count}, kReservedKeys,
      problems));
  const config::FaultPolicy faults = config::read_fault_policy(spec.table, spec.kind, spec.section, problems);
  if (problems.size() != before) return nullptr;  // never create with a bad table
  auto host = std::make_unique<PluginHost>(d.name, node_id, metrics);
  auto instance =
      std::make_unique<PluginInstance>(std::move(library), spec, std::move(table), std::move(host), faults);
  try {
    instance->create();
  } catch (const PluginError& e) {
    problems.push_back(e.what());
    return nullptr;
  }
  return instance;
}

PluginSet::PluginSet(const config::Settings& settings, const PluginLoader& loader,
                     runtime::MetricsRegistry& metrics) {
  std::vector<std::string> problems;
  for (const auto& spec : settings.plugins) {
    if (auto instance = instantiate(spec, settings.broker.node_id, loader, metrics, problems)) {
      plugins_.push_back(std::move(instance));
    }
  }
  if (!problems.empty()) {
    while (!plugins_.empty()) plugins_.pop_back();
    throw config::ConfigError(std::move(problems));
  }
}

std::vector<std::unique_ptr<PluginInstance>> PluginSet::replace(
    natter::PluginKind kind, std::vector<std::unique_ptr<PluginInstance>> replacements) {
  std::vector<std::unique_ptr<PluginInstance>> removed;
  for (auto it = plugins_.begin(); it != plugins_.end();) {
    if ((*it)->kind() == kind) {
      removed.push_back(std::move(*it));
      it = plugins_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& r : replacements) plugins_.push_back(std::move(r));
  return removed;
}

PluginSet::~PluginSet() {
  while (!plugins_.empty()) plugins_.pop_back();
}

PluginInstance& PluginSet::single(natter::PluginKind kind) const {
  for (const auto& p : plugins_) {
    if (p->kind() == kind) return *p;
  }
  throw std::logic_error("no plugin of kind " + std::string(config::kind_name(kind)));
}

template <class Kind>
std::vector<Kind*> PluginSet::every(natter::PluginKind kind) const {
  std::vector<Kind*> out;
  for (const auto& p : plugins_) {
    if (p->kind() == kind) out.push_back(&p->as<Kind>());
  }
  return out;
}

std::vector<std::string> PluginSet::names(natter::PluginKind kind) const {
  std::vector<std::string> out;
  for (const auto& p : plugins_) {
    if (p->kind() == kind) out.push_back(p->name());
  }
  return out;
}

std::vector<std::uint32_t> PluginSet::abi_minors(natter::PluginKind kind) const {
  std::vector<std::uint32_t> out;
  for (const auto& p : plugins_) {
    if (p->kind() == kind) out.push_back(p->abi_minor());
  }
  return out;
}

natter::PubSub& PluginSet::pubsub() const {
  return single(natter::PluginKind::pubsub).as<natter::PubSub>();
}

std::vector<natter::Filter*> PluginSet::filters() const {
  return every<natter::Filter>(natter::PluginKind::filter);
}

}  // namespace natter::plugins
