#include "plugins/plugin_set.hpp"

#include "config/config_error.hpp"
#include "plugins/captured_text.hpp"

namespace natter::plugins {

namespace {

// Config keys the broker reads itself from every plugin table.
constexpr std::string_view kReservedKeys[] = {"plugin"};

}  // namespace

PluginInstance::PluginInstance(LoadedLibrary library, config::PluginSpec spec,
                               std::unique_ptr<config::ConfigTable> config,
                               std::unique_ptr<PluginHost> host)
    : library_(std::move(library)),
      spec_(std::move(spec)),
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
    const std::string config_file = spec_.origin.substr(0, spec_.origin.rfind(':'));
    if (!why.text.empty() && why.text.starts_with(config_file + ":")) throw PluginError(why.text);
    throw PluginError(label() + ": " + (why.text.empty() ? "create failed" : why.text));
  }
}

std::string PluginInstance::label() const {
  return spec_.origin + ": [" + spec_.section + "] plugin '" + name_ + "' (" + library_.path + ")";
}

PluginSet::PluginSet(const config::Settings& settings, const PluginLoader& loader,
                     runtime::MetricsRegistry& metrics) {
  std::vector<std::string> problems;
  for (const auto& spec : settings.plugins) {
    const std::string where = spec.origin + ": [" + spec.section + "] ";
    try {
      LoadedLibrary library = loader.load(loader.locate(spec.kind, spec.name), spec.kind);
      const auto& d = *library.descriptor;
      std::size_t before = problems.size();
      auto table = std::make_unique<config::ConfigTable>(config::ConfigTable::validate(
          spec.table, spec.section, "plugin '" + std::string(d.name) + "'",
          {d.keys, d.key_count}, kReservedKeys, problems));
      if (problems.size() != before) continue;  // do not create with a bad table
      auto host = std::make_unique<PluginHost>(d.name, settings.broker.node_id, metrics);
      auto instance = std::make_unique<PluginInstance>(std::move(library), spec, std::move(table),
                                                       std::move(host));
      instance->create();
      plugins_.push_back(std::move(instance));
    } catch (const PluginError& e) {
      std::string text = e.what();
      // Errors from create() already carry the location; the loader's do not.
      const bool located = text.starts_with(settings.path + ":");
      problems.push_back(located ? text : where + "plugin '" + spec.name + "': " + text);
    }
  }
  if (!problems.empty()) {
    while (!plugins_.empty()) plugins_.pop_back();
    throw config::ConfigError(std::move(problems));
  }
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

natter::Storage& PluginSet::storage() const {
  return single(natter::PluginKind::storage).as<natter::Storage>();
}
natter::PubSub& PluginSet::pubsub() const {
  return single(natter::PluginKind::pubsub).as<natter::PubSub>();
}
natter::Authenticator& PluginSet::auth() const {
  return single(natter::PluginKind::auth).as<natter::Authenticator>();
}
std::vector<natter::RateLimiter*> PluginSet::limiters() const {
  return every<natter::RateLimiter>(natter::PluginKind::ratelimit);
}
std::vector<natter::Filter*> PluginSet::filters() const {
  return every<natter::Filter>(natter::PluginKind::filter);
}

}  // namespace natter::plugins
