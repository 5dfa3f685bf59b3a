#pragma once
// The operator's API (admin::AdminOps) on a running natterd: status from
// the plugin set and the broker, rooms and sessions from the broker's
// OperatorDesk (on its loop), reload through the main thread's SIGHUP
// path, drain through its SIGTERM path. Answers are JSON (docs/operations.md,
// "natterctl"). Admin thread; lives as long as the admin listener serves it.

#include <chrono>

#include "admin/admin_api.hpp"
#include "config/settings.hpp"
#include "reload.hpp"

namespace natter {

namespace chat {
class Broker;
}
namespace plugins {
class PluginSet;
}

class OperatorOps final : public admin::AdminOps {
 public:
  // Borrows everything; all of it outlives the ops.
  OperatorOps(const config::Settings& settings, const plugins::PluginSet& plugins,
              const faults::PluginGuards& guards, chat::Broker& broker, ReloadRequests& reloads);

  admin::AdminReply status() override;
  admin::AdminReply rooms() override;
  admin::AdminReply room(std::string_view name) override;
  admin::AdminReply sessions() override;
  admin::AdminReply kick(std::string_view user) override;
  admin::AdminReply broadcast(std::string_view room, std::string_view text) override;
  admin::AdminReply reload() override;
  admin::AdminReply drain() override;

 private:
  const config::Settings& settings_;
  const plugins::PluginSet& plugins_;
  const faults::PluginGuards& guards_;
  chat::Broker& broker_;
  ReloadRequests& reloads_;
  const std::chrono::steady_clock::time_point started_ = std::chrono::steady_clock::now();
};

}  // namespace natter
