// Storage benchmark: sustained append throughput into one room, then
// history-page latency at random depths of that room. Drives the plugin's
// .so through the SDK interface, exactly as natterd does.
//
//   natter_bench_storage --plugin sqlite --config storage.toml --messages 1000000

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "bench_plugin.hpp"
#include "runtime/logging.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Bounds the appends in flight, as the broker's pending sends would be.
class Window final : public natter::AppendDone {
 public:
  explicit Window(long limit) : limit_(limit) {}
  void appended(natter::Status status) noexcept override {
    std::lock_guard lock(mutex_);
    --in_flight_;
    ++completed_;
    if (!status.ok()) ++failed_;
    cv_.notify_all();
  }
  void acquire() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return in_flight_ < limit_; });
    ++in_flight_;
  }
  void drain() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return in_flight_ == 0; });
  }
  long failed() {
    std::lock_guard lock(mutex_);
    return failed_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  long limit_, in_flight_ = 0, completed_ = 0, failed_ = 0;
};

class PageWait final : public natter::HistoryDone {
 public:
  void page(natter::Status status, std::span<const natter::MessageView> p) noexcept override {
    std::lock_guard lock(mutex_);
    ok_ = status.ok() && !p.empty();
    done_ = true;
    cv_.notify_all();
  }
  bool wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return done_; });
    done_ = false;
    return ok_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false, ok_ = false;
};

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[static_cast<std::size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  std::string plugin, config_path;
  long messages = 1'000'000, window = 20'000, pages = 2000, body_bytes = 64;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--plugin") plugin = argv[i + 1];
    else if (flag == "--config") config_path = argv[i + 1];
    else if (flag == "--messages") messages = std::stol(argv[i + 1]);
    else if (flag == "--window") window = std::stol(argv[i + 1]);
    else if (flag == "--pages") pages = std::stol(argv[i + 1]);
    else if (flag == "--body-bytes") body_bytes = std::stol(argv[i + 1]);
    else { std::fprintf(stderr, "unknown flag %s\n", argv[i]); return 2; }
  }
  natter::runtime::init_logging();
  natter::runtime::set_log_level("warn");

  std::optional<natter::bench::BenchPlugin<natter::Storage>> loaded;
  try {
    loaded.emplace(natter::PluginKind::storage, plugin, config_path);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  auto& storage = loaded->get();

  const std::string room = "bench-" + std::to_string(Clock::now().time_since_epoch().count());
  const std::string body(static_cast<std::size_t>(body_bytes), 'b');
  const std::uint64_t first_id = 1'000'000'000;
  Window in_flight(window);
  const auto started = Clock::now();
  for (long i = 0; i < messages; ++i) {
    in_flight.acquire();
    storage.append({first_id + static_cast<std::uint64_t>(i), 1795000000000 + i, room, "bench", body}, in_flight);
  }
  in_flight.drain();
  const double insert_seconds = std::chrono::duration<double>(Clock::now() - started).count();

  std::mt19937_64 random(42);
  std::uniform_int_distribution<long> depth(50, messages);
  std::vector<double> latencies_ms;
  PageWait wait;
  long empty_pages = 0;
  for (long i = 0; i < pages; ++i) {
    const auto before = first_id + static_cast<std::uint64_t>(depth(random));
    const auto t0 = Clock::now();
    storage.history({room, before, 0, 50}, wait);
    if (!wait.wait()) ++empty_pages;
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  loaded.reset();  // stopped: every append is in

  const double rate = static_cast<double>(messages) / insert_seconds;
  std::printf(
      "{\"scenario\":\"storage\",\"plugin\":\"%s\",\"messages\":%ld,\"body_bytes\":%ld,\"failed\":%ld,"
      "\"insert_seconds\":%.2f,\"inserts_per_s\":%.0f,\"pages\":%ld,\"page_size\":50,\"empty_pages\":%ld,"
      "\"page_p50_ms\":%.3f,\"page_p99_ms\":%.3f}\n",
      plugin.c_str(), messages, body_bytes, in_flight.failed(), insert_seconds, rate, pages, empty_pages,
      percentile(latencies_ms, 0.5), percentile(latencies_ms, 0.99));
  std::printf("\n%-8s %-10s %-10s %-12s %-12s %-12s\n", "plugin", "messages", "seconds", "inserts/s",
              "page p50 ms", "page p99 ms");
  std::printf("%-8s %-10ld %-10.2f %-12.0f %-12.3f %-12.3f\n", plugin.c_str(), messages, insert_seconds, rate,
              percentile(latencies_ms, 0.5), percentile(latencies_ms, 0.99));
  return in_flight.failed() || empty_pages ? 1 : 0;
}
