#pragma once
// natterd's lifetime: load every plugin, start them in dependency order,
// serve until SIGTERM/SIGINT, then drain (close clients with "going away",
// finish in-flight sends, flush storage) and stop in reverse order.

#include <memory>

#include "config/settings.hpp"

namespace natter {

class Daemon {
 public:
  // Loads and creates every plugin; throws config::ConfigError listing
  // every problem. Call with the termination signals already blocked
  // (block_termination_signals) so no plugin thread receives them.
  explicit Daemon(config::Settings settings);
  ~Daemon();

  // Starts everything and serves until a termination signal. Returns the
  // process exit code. Main thread.
  int run();

 private:
  struct Parts;
  std::unique_ptr<Parts> parts_;
};

// Blocks SIGTERM, SIGINT and SIGHUP in the calling thread and every thread
// it creates afterwards; run() waits for them with sigwait.
void block_termination_signals();

}  // namespace natter
