// natter-conformance: runs a plugin kind's conformance suite against a
// plugin's .so, loaded and configured exactly as natterd would.
//
//   natter-conformance storage --plugin ./natter_storage_mine.so --config mine.toml [gtest flags]
//   natter-conformance filter --plugin ./natter_filter_mine.so --config mine.toml --examples mine_examples.toml
//   natter-conformance ratelimit --plugin ./natter_ratelimit_mine.so --config mine.toml
//   natter-conformance auth --plugin ./natter_auth_mine.so --config mine.toml --examples mine_examples.toml
//   natter-conformance pubsub --plugin ./natter_pubsub_mine.so --config mine.toml [--outage 'COMMAND']
//
// For pubsub, --outage names a shell command that cuts every client off
// the backend for a moment (drops their connections, or restarts the
// server) and returns once the backend takes connections again.
//
// The config file holds the plugin's own keys at top level (what would
// follow `plugin = ...` in natter.toml). Exit code: 0 when every case
// passed, 1 when one failed, 2 for a usage or config problem.

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "config/config_error.hpp"
#include "config/config_table.hpp"
#include "config/toml_document.hpp"
#include "conformance/auth_examples.hpp"
#include "conformance/filter_examples.hpp"
#include "plugins/captured_text.hpp"
#include "plugins/plugin_host.hpp"
#include "plugins/plugin_loader.hpp"
#include "runtime/logging.hpp"
#include "runtime/metrics.hpp"
#include "auth_suite.hpp"
#include "pubsub_suite.hpp"
#include "filter_suite.hpp"
#include "ratelimit_suite.hpp"
#include "storage_suite.hpp"

namespace {

using natter::plugins::CapturedText;

struct Options {
  std::string kind, plugin, config, examples, outage;
};

// A plugin instance created from its descriptor and config, started and
// stopped for the suite like natterd would.
template <class Kind, class UnderTest>
class LoadedPlugin : public UnderTest {
 public:
  LoadedPlugin(const natter::plugins::LoadedLibrary& library, const natter::config::ConfigTable& config)
      : library_(library), config_(config) {}
  ~LoadedPlugin() override { close(); }

  Kind& open() override {
    close();
    CapturedText why;
    instance_ = library_.descriptor->create(&host_, &config_, &why);
    if (!instance_) {
      ADD_FAILURE() << "create failed: " << why.text;
      std::abort();
    }
    auto& plugin = *static_cast<Kind*>(instance_);
    if (!plugin.start(why)) {
      ADD_FAILURE() << "start failed: " << why.text;
      std::abort();
    }
    return plugin;
  }

  void close() override {
    if (!instance_) return;
    instance_->stop();
    library_.descriptor->destroy(instance_);
    instance_ = nullptr;
  }

 protected:
  // The open instance's optional interface `name`, as natterd finds it.
  void* query(const char* name) const {
    const auto* d = library_.descriptor;
    if (!instance_ || d->abi_minor < 1 || !d->query) return nullptr;
    return d->query(instance_, name);
  }

 private:
  const natter::plugins::LoadedLibrary& library_;
  const natter::config::ConfigTable& config_;
  natter::runtime::MetricsRegistry metrics_;
  natter::plugins::PluginHost host_{library_.descriptor->name, 1, metrics_};
  natter::Plugin* instance_ = nullptr;
};

class LoadedStorage final : public LoadedPlugin<natter::Storage, natter::conformance::StorageUnderTest> {
 public:
  using LoadedPlugin::LoadedPlugin;
  natter::RoomState* room_state() override {
    return static_cast<natter::RoomState*>(query(natter::RoomState::kInterface));
  }
  natter::MessageRevisions* revisions() override {
    return static_cast<natter::MessageRevisions*>(query(natter::MessageRevisions::kInterface));
  }
  natter::UnreadCounts* unread_counts() override {
    return static_cast<natter::UnreadCounts*>(query(natter::UnreadCounts::kInterface));
  }
  natter::SentRefs* sent_refs() override {
    return static_cast<natter::SentRefs*>(query(natter::SentRefs::kInterface));
  }
  natter::MessageExtras* message_extras() override {
    return static_cast<natter::MessageExtras*>(query(natter::MessageExtras::kInterface));
  }
};

class LoadedAuth final : public LoadedPlugin<natter::Authenticator, natter::conformance::AuthUnderTest> {
 public:
  LoadedAuth(const natter::plugins::LoadedLibrary& library, const natter::config::ConfigTable& config,
             const std::vector<natter::conformance::AuthExample>& examples)
      : LoadedPlugin(library, config), examples_(examples) {}
  std::vector<natter::conformance::AuthExample> examples() override { return examples_; }

 private:
  const std::vector<natter::conformance::AuthExample>& examples_;
};

class LoadedRateLimiter final
    : public LoadedPlugin<natter::RateLimiter, natter::conformance::RateLimiterUnderTest> {
 public:
  using LoadedPlugin::LoadedPlugin;
};

class LoadedFilter final : public LoadedPlugin<natter::Filter, natter::conformance::FilterUnderTest> {
 public:
  LoadedFilter(const natter::plugins::LoadedLibrary& library, const natter::config::ConfigTable& config,
               const std::vector<natter::conformance::FilterExample>& examples)
      : LoadedPlugin(library, config), examples_(examples) {}
  std::vector<natter::conformance::FilterExample> examples() override { return examples_; }

 private:
  const std::vector<natter::conformance::FilterExample>& examples_;
};

// Pub/sub instances, each one node with a node id of its own (1, 2, ...),
// created and started as natterd would.
class LoadedPubSub final : public natter::conformance::PubSubUnderTest {
 public:
  LoadedPubSub(const natter::plugins::LoadedLibrary& library, const natter::config::ConfigTable& config,
               std::string outage)
      : library_(library), config_(config), outage_(std::move(outage)) {}
  ~LoadedPubSub() override { close_all(); }

  natter::PubSub& open(natter::BusListener& listener) override {
    CapturedText why;
    const auto node_id = static_cast<std::uint32_t>(hosts_.size() + 1);
    auto& host = *hosts_.emplace_back(
        std::make_unique<natter::plugins::PluginHost>(library_.descriptor->name, node_id, metrics_));
    natter::Plugin* instance = library_.descriptor->create(&host, &config_, &why);
    if (!instance) {
      ADD_FAILURE() << "create failed: " << why.text;
      std::abort();
    }
    instances_.push_back(instance);
    auto& bus = *static_cast<natter::PubSub*>(instance);
    if (!bus.start(listener, why)) {
      ADD_FAILURE() << "start failed: " << why.text;
      std::abort();
    }
    return bus;
  }

  void close_all() override {
    for (natter::Plugin* instance : instances_) instance->stop();
    for (natter::Plugin* instance : instances_) library_.descriptor->destroy(instance);
    instances_.clear();
    hosts_.clear();
  }

  bool interrupt() override {
    if (outage_.empty()) return false;
    const int status = std::system(outage_.c_str());
    EXPECT_EQ(status, 0) << "the outage command failed: " << outage_;
    return true;
  }

 private:
  const natter::plugins::LoadedLibrary& library_;
  const natter::config::ConfigTable& config_;
  std::string outage_;
  natter::runtime::MetricsRegistry metrics_;
  std::vector<std::unique_ptr<natter::plugins::PluginHost>> hosts_;
  std::vector<natter::Plugin*> instances_;
};

void print_usage(std::ostream& out) {
  out << "usage: natter-conformance storage --plugin FILE.so --config FILE.toml [gtest flags]\n"
      << "       natter-conformance filter --plugin FILE.so --config FILE.toml --examples FILE.toml [gtest flags]\n"
      << "       natter-conformance ratelimit --plugin FILE.so --config FILE.toml [gtest flags]\n"
      << "       natter-conformance auth --plugin FILE.so --config FILE.toml --examples FILE.toml [gtest flags]\n"
      << "       natter-conformance pubsub --plugin FILE.so --config FILE.toml [--outage COMMAND] [gtest flags]\n";
}

int usage(const char* message) {
  std::cerr << "natter-conformance: " << message << "\n";
  print_usage(std::cerr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    print_usage(std::cout);
    return 0;
  }
  Options options;
  std::vector<char*> gtest_args = {argv[0]};
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--plugin" && i + 1 < argc) {
      options.plugin = argv[++i];
    } else if (arg == "--config" && i + 1 < argc) {
      options.config = argv[++i];
    } else if (arg == "--examples" && i + 1 < argc) {
      options.examples = argv[++i];
    } else if (arg == "--outage" && i + 1 < argc) {
      options.outage = argv[++i];
    } else if (options.kind.empty() && !arg.starts_with("-")) {
      options.kind = arg;
    } else {
      gtest_args.push_back(argv[i]);
    }
  }
  natter::PluginKind kind;
  if (options.kind == "storage") {
    kind = natter::PluginKind::storage;
  } else if (options.kind == "filter") {
    kind = natter::PluginKind::filter;
  } else if (options.kind == "ratelimit") {
    kind = natter::PluginKind::ratelimit;
  } else if (options.kind == "auth") {
    kind = natter::PluginKind::auth;
    if (options.examples.empty()) return usage("the auth suite needs --examples");
  } else if (options.kind == "pubsub") {
    kind = natter::PluginKind::pubsub;
  } else {
    return usage("kinds with a suite: storage, filter, ratelimit, auth, pubsub");
  }
  if (options.plugin.empty() || options.config.empty()) return usage("--plugin and --config are required");

  natter::runtime::init_logging();
  natter::runtime::set_log_level("warn");
  try {
    natter::plugins::PluginLoader loader(natter::plugins::plugin_search_dirs({}, options.config));
    const std::string path = loader.locate(kind, options.plugin);
    static const auto library = loader.load(path, kind);
    static const toml::value document = natter::config::parse_toml_file(options.config);
    std::vector<std::string> problems;
    static const auto config = natter::config::ConfigTable::validate(
        &document, options.kind, "plugin '" + std::string(library.descriptor->name) + "'",
        {library.descriptor->keys, library.descriptor->key_count}, {}, problems);
    if (!problems.empty()) throw natter::config::ConfigError(problems);
    using namespace natter::conformance;
    if (kind == natter::PluginKind::storage) {
      set_storage_under_test([] { return std::make_unique<LoadedStorage>(library, config); });
      testing::GTEST_FLAG(filter) = "StorageConformance.*:RoomStateConformance.*:RevisionConformance.*:UnreadConformance.*:RefConformance.*:ExtrasConformance.*";
    } else if (kind == natter::PluginKind::auth) {
      static const auto examples = read_auth_examples(options.examples);
      set_auth_under_test([] { return std::make_unique<LoadedAuth>(library, config, examples); });
      testing::GTEST_FLAG(filter) = "AuthConformance.*";
    } else if (kind == natter::PluginKind::pubsub) {
      static const std::string outage = options.outage;
      set_pubsub_under_test([] { return std::make_unique<LoadedPubSub>(library, config, outage); });
      testing::GTEST_FLAG(filter) = "PubSubConformance.*";
    } else if (kind == natter::PluginKind::ratelimit) {
      set_rate_limiter_under_test([] { return std::make_unique<LoadedRateLimiter>(library, config); });
      testing::GTEST_FLAG(filter) = "RateLimiterConformance.*";
    } else {
      static const auto examples =
          options.examples.empty() ? std::vector<FilterExample>{} : read_filter_examples(options.examples);
      set_filter_under_test([] { return std::make_unique<LoadedFilter>(library, config, examples); });
      testing::GTEST_FLAG(filter) = "FilterConformance.*";
    }
    std::cout << options.kind << " conformance for '" << library.descriptor->name << "' "
              << library.descriptor->version << " (" << path << ")\n";
  } catch (const natter::config::ConfigError& e) {
    for (const auto& p : e.problems()) std::cerr << p << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "natter-conformance: " << e.what() << "\n";
    return 2;
  }
  int gtest_argc = static_cast<int>(gtest_args.size());
  testing::InitGoogleTest(&gtest_argc, gtest_args.data());
  return RUN_ALL_TESTS() == 0 ? 0 : 1;
}
