// What signing a client in costs an auth plugin, per kind of credential:
// the plugin loaded as natterd loads it, authenticate() called in a loop
// with each token of a file for a while, microseconds per call.
//
//   natter_bench_auth --plugin jwt --config auth.toml --tokens tokens.txt [--seconds 1]
//
// tokens.txt: one "LABEL TOKEN" per line (bench/run_jwt.py writes one).
// Every token must be accepted: a refused one stops the run.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "bench_plugin.hpp"
#include "runtime/logging.hpp"

namespace {

using Clock = std::chrono::steady_clock;

struct Outcome final : natter::AuthDone {
  bool accepted_ = false;
  std::string reason;
  void accepted(const natter::Identity&) noexcept override { accepted_ = true; }
  void refused(std::string_view why) noexcept override {
    accepted_ = false;
    reason = why;
  }
};

}  // namespace

int main(int argc, char** argv) {
  std::string plugin, config_path, tokens_path;
  double seconds = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    if (flag == "--plugin") plugin = argv[i + 1];
    else if (flag == "--config") config_path = argv[i + 1];
    else if (flag == "--tokens") tokens_path = argv[i + 1];
    else if (flag == "--seconds") seconds = std::stod(argv[i + 1]);
    else { std::fprintf(stderr, "unknown flag %s\n", argv[i]); return 2; }
  }
  natter::runtime::init_logging();
  natter::runtime::set_log_level("warn");
  std::optional<natter::bench::BenchPlugin<natter::Authenticator>> loaded;
  try {
    loaded.emplace(natter::PluginKind::auth, plugin, config_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  auto& auth = loaded->get();
  std::ifstream in(tokens_path);
  std::printf("%-10s %-12s %-12s\n", "token", "us/verify", "verifies/s");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string label, token;
    fields >> label >> token;
    const natter::ConnectInfo info{"bench", "127.0.0.1:1", "", token};
    long calls = 0;
    const auto start = Clock::now();
    const auto until = start + std::chrono::duration<double>(seconds);
    while (Clock::now() < until) {
      for (int i = 0; i < 16; ++i, ++calls) {
        Outcome outcome;
        auth.authenticate(info, outcome);
        if (!outcome.accepted_) {
          std::fprintf(stderr, "%s refused: %s\n", label.c_str(), outcome.reason.c_str());
          return 1;
        }
      }
    }
    const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
    std::printf("{\"scenario\":\"auth\",\"plugin\":\"%s\",\"token\":\"%s\",\"us_per_verify\":%.2f}\n", plugin.c_str(),
                label.c_str(), elapsed * 1e6 / static_cast<double>(calls));
    std::printf("%-10s %-12.2f %-12.0f\n", label.c_str(), elapsed * 1e6 / static_cast<double>(calls),
                static_cast<double>(calls) / elapsed);
  }
  return 0;
}
