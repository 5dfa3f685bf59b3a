#include "daemon.hpp"

#include <csignal>
#include <cstring>

#include <systemd/sd-daemon.h>
#include <filesystem>
#include <functional>
#include <vector>

#include "admin/admin_listener.hpp"
#include "chat/broker.hpp"
#include "chat/loop_completions.hpp"
#include "chat/transport_entry.hpp"
#include "faults/plugin_guards.hpp"
#include "operator_ops.hpp"
#include "plugins/captured_text.hpp"
#include "reload.hpp"
#include "plugins/plugin_set.hpp"
#include "runtime/executor.hpp"
#include "runtime/logging.hpp"
#include "runtime/metrics.hpp"
#include "runtime/timers.hpp"

namespace natter {

namespace {

sigset_t termination_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGHUP);
  return set;
}

}  // namespace

void block_termination_signals() {
  sigset_t set = termination_signals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

// Declared in destruction order's reverse: the loop stops first, then the
// broker its tasks point into goes, then the plugins, then the metrics.
struct Daemon::Parts {
  config::Settings settings;
  runtime::MetricsRegistry metrics;
  std::unique_ptr<plugins::PluginSet> plugins;
  std::unique_ptr<admin::AdminListener> admin;
  std::unique_ptr<chat::Broker> broker;
  ReloadRequests reloads;
  std::string admin_token;  // from admin_token_file; empty: none
  // The operator's API; the listener stops serving it before these go.
  std::unique_ptr<OperatorOps> operator_ops;
  std::unique_ptr<admin::AdminApi> admin_api;
  std::vector<std::unique_ptr<chat::TransportEntry>> entries;  // one per transport
  std::unique_ptr<runtime::Executor> loop;
  // Stopped before the loop it posts to (see ~Daemon).
  std::unique_ptr<runtime::Timers> timers;
  // Outlives the broker, the timers and the plugins' last completions.
  std::unique_ptr<faults::PluginGuards> guards;
  // Handed to storage plugins; outlives them (destroyed with Parts).
  chat::LoopCompletionRuns completion_runs;
  // Instances that started, in order, with how to stop them.
  std::vector<plugins::PluginInstance*> started;
};

Daemon::Daemon(config::Settings settings) : parts_(std::make_unique<Parts>()) {
  parts_->settings = std::move(settings);
  const auto& s = parts_->settings;
  plugins::PluginLoader loader(plugins::plugin_search_dirs(s.broker.plugin_dirs, s.path));
  parts_->plugins = std::make_unique<plugins::PluginSet>(s, loader, parts_->metrics);
}

Daemon::~Daemon() {
  if (!parts_) return;
  if (parts_->admin) parts_->admin->serve(nullptr);
  parts_->admin.reset();
  parts_->timers.reset();
  parts_->loop.reset();
  parts_->broker.reset();
  parts_->plugins.reset();
}

int Daemon::run() {
  Parts& p = *parts_;
  auto& log = runtime::log();
  if (!p.settings.broker.admin_host.empty()) {
    try {
      p.admin = std::make_unique<admin::AdminListener>(p.settings.broker.admin_host, p.settings.broker.admin_port,
                                                       p.metrics);
    } catch (const std::exception& e) {
      log.error("[broker] admin_listen: {}", e.what());
      return 1;
    }
    log.info("admin endpoint on http://{}:{}/ (healthz, readyz, metrics, /v1 for natterctl)",
             p.settings.broker.admin_host, p.admin->port());
    const std::string& token_file = p.settings.broker.admin_token_file;
    if (!token_file.empty() && !std::filesystem::exists(token_file)) {
      // A checkout run with the shipped config: only the package makes it.
      log.warn("[broker] admin_token_file {} does not exist: natterctl may read but not change anything",
               token_file);
    } else if (!token_file.empty()) {
      std::string why;
      if (!admin::read_token(token_file, p.admin_token, why)) {
        log.error("[broker] admin_token_file: {}", why);
        return 1;
      }
    }
  }
  p.loop = std::make_unique<runtime::Executor>();
  p.timers = std::make_unique<runtime::Timers>(*p.loop);
  const auto& set = *p.plugins;
  // The services call plugins through their fault guards (broker/faults).
  p.guards = std::make_unique<faults::PluginGuards>(*p.timers, p.metrics);
  auto& guards = *p.guards;
  const plugins::PluginInstance& storage_instance = set.single(PluginKind::storage);
  faults::GuardedStorage& storage = guards.storage(storage_instance);
  natter::Attachments* attachments = nullptr;
  std::vector<faults::GuardedHook*> hooks;
  std::vector<const plugins::PluginInstance*> limiter_instances;
  for (const auto& instance : set.all()) {
    if (instance->kind() == PluginKind::attachments) attachments = &guards.attachments(*instance);
    if (instance->kind() == PluginKind::hook) hooks.push_back(&guards.hook(*instance));
    if (instance->kind() == PluginKind::ratelimit) limiter_instances.push_back(instance.get());
  }
  if (attachments && !storage.extras()) {
    log.warn("[storage] {} keeps no attachments with messages (ABI 1.{}): history shows files only while "
             "natterd still holds the message in memory",
             storage_instance.name(), storage_instance.abi_minor());
  }
  chat::BrokerParts wiring{storage,
                           storage.room_state(),
                           storage.revisions(),
                           storage.unread(),
                           storage.refs(),
                           storage.extras(),
                           attachments,
                           std::move(hooks),
                           set.pubsub(),
                           guards.auth(set.single(PluginKind::auth)),
                           set.names(PluginKind::storage).front(),
                           set.names(PluginKind::auth).front(),
                           set.abi_minors(PluginKind::auth).front(),
                           {guards.limiters(limiter_instances), set.filters(), set.names(PluginKind::ratelimit),
                            set.names(PluginKind::filter), set.abi_minors(PluginKind::ratelimit)}};
  p.broker = std::make_unique<chat::Broker>(p.settings.broker, std::move(wiring), *p.loop, *p.timers, p.metrics);

  auto stop_started = [&] {
    for (auto it = p.started.rbegin(); it != p.started.rend(); ++it) {
      log.info("stopping {}", (*it)->name());
      (*it)->as<natter::Plugin>().stop();
      // Completions the plugin made while stopping run before the next stops.
      p.loop->barrier();
    }
    p.started.clear();
  };

  // Backends first, transports (which let clients in) last.
  for (const auto& instance : p.plugins->all()) {
    plugins::CapturedText why;
    bool ok = false;
    switch (instance->kind()) {
      case PluginKind::storage:
        if (auto* batches = instance->query<natter::BatchesCompletions>()) batches->use(p.completion_runs);
        ok = instance->as<natter::Storage>().start(why);
        if (ok) {
          std::string reason;
          ok = p.broker->load_rooms(reason);
          if (!ok) why.report("loading rooms and refs: " + reason);
          if (ok && !storage.room_state()) {
            log.warn("[storage] {} keeps no room state (ABI 1.{}): rooms and memberships last until natterd stops",
                     instance->name(), instance->abi_minor());
          }
        }
        break;
      case PluginKind::pubsub:
        ok = instance->as<natter::PubSub>().start(p.broker->bus(), why);
        if (ok) p.broker->join_cluster();
        break;
      case PluginKind::auth: ok = instance->as<natter::Authenticator>().start(why); break;
      case PluginKind::ratelimit: ok = instance->as<natter::RateLimiter>().start(why); break;
      case PluginKind::filter: ok = instance->as<natter::Filter>().start(why); break;
      case PluginKind::attachments: ok = instance->as<natter::Attachments>().start(why); break;
      case PluginKind::hook: ok = instance->as<natter::Hook>().start(why); break;
      case PluginKind::transport:
      {
        const chat::TransportTraits traits{instance->query<natter::Fanout>(),
                                           instance->query<natter::InlineCommands>() != nullptr,
                                           instance->abi_minor()};
        log.debug("[{}] transport: ABI 1.{}, fanout {}, inline commands {}", instance->name(), traits.abi_minor,
                  traits.fanout ? "yes" : "no", traits.inline_commands ? "yes" : "no");
        p.entries.push_back(std::make_unique<chat::TransportEntry>(*p.broker, traits));
        ok = instance->as<natter::Transport>().start(*p.entries.back(), why);
        break;
      }
    }
    if (!ok) {
      log.error("{}: start failed: {}", instance->label(), why.text.empty() ? "no reason given" : why.text);
      stop_started();
      return 1;
    }
    p.started.push_back(instance.get());
  }
  log.info("natterd {} ready: node {}, {} plugins", NATTER_VERSION, p.settings.broker.node_id,
           p.started.size());
  if (p.admin) {
    p.operator_ops = std::make_unique<OperatorOps>(p.settings, *p.plugins, *p.guards, *p.broker, p.reloads);
    p.admin_api = std::make_unique<admin::AdminApi>(p.admin_token, admin::is_loopback(p.settings.broker.admin_host),
                                                    *p.operator_ops);
    p.admin->serve(p.admin_api.get());
    p.admin->set_ready(true);
  }
  // Type=notify: systemd considers the service started only now. Outside
  // systemd (no NOTIFY_SOCKET) these calls do nothing.
  sd_notify(0, "READY=1\nSTATUS=serving");

  const sigset_t signals = termination_signals();
  int signal = 0;
  while (true) {
    sigwait(&signals, &signal);
    if (signal != SIGHUP) break;
    sd_notify(0, "RELOADING=1");
    Running running{p.settings, *p.plugins, *p.guards, *p.broker, p.metrics, p.started};
    p.reloads.finished(reload(running));
    sd_notify(0, "READY=1");
  }

  log.info("{} received: draining", strsignal(signal));
  if (p.admin) {
    p.admin->set_ready(false);
    p.admin->serve(nullptr);  // the operator's API reaches into what stops now
  }
  sd_notify(0, "STOPPING=1\nSTATUS=draining");
  // Sends already accepted finish first, while their clients are still
  // connected to hear the ack (new ones are refused meanwhile). Then the
  // transports close every session (1001, after what is queued for it)
  // and return; the barrier lets the broker detach them.
  const auto deadline = std::chrono::milliseconds(p.settings.broker.drain_timeout_ms);
  if (std::size_t left = p.broker->drain(deadline)) {
    log.warn("drain deadline passed with {} sends still waiting for storage", left);
  }
  for (auto it = p.started.rbegin(); it != p.started.rend(); ++it) {
    if ((*it)->kind() != PluginKind::transport) continue;
    (*it)->as<natter::Plugin>().stop();
  }
  p.loop->barrier();
  std::erase_if(p.started, [](auto* i) { return i->kind() == PluginKind::transport; });
  stop_started();
  log.info("stopped");
  return 0;
}

}  // namespace natter
