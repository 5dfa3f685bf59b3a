#pragma once
// Fixed-size latency histogram: 1 µs resolution below 10 ms, 100 µs up to
// 10 s. Recording never allocates.

#include <array>
#include <cstdint>

namespace natter::bench {

class LatencyHistogram {
 public:
  void record(std::int64_t ns) {
    if (ns < 0) ns = 0;
    const std::int64_t us = ns / 1000;
    std::size_t i = us < kFine ? static_cast<std::size_t>(us)
                               : kFine + static_cast<std::size_t>((us - kFine) / kCoarseStepUs);
    if (i >= counts_.size()) i = counts_.size() - 1;
    ++counts_[i];
    ++total_;
  }
  std::uint64_t count() const { return total_; }
  // In milliseconds.
  double percentile(double p) const {
    if (total_ == 0) return 0;
    const auto target = static_cast<std::uint64_t>(p * static_cast<double>(total_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (std::size_t i = 0; i < counts_.size(); ++i) {
      seen += counts_[i];
      if (seen >= target) {
        const double us = i < kFine ? static_cast<double>(i) : kFine + static_cast<double>(i - kFine) * kCoarseStepUs;
        return us / 1000.0;
      }
    }
    return 0;
  }

 private:
  static constexpr std::int64_t kFine = 10'000;         // µs at 1 µs resolution
  static constexpr std::int64_t kCoarseStepUs = 100;    // beyond that
  std::array<std::uint32_t, kFine + 100'000> counts_{};  // up to ~10 s
  std::uint64_t total_ = 0;
};

}  // namespace natter::bench
