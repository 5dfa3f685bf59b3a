#pragma once
// The rate limiter conformance suite: what the broker relies on from every
// rate limiter. `natter-conformance ratelimit` runs it on a plugin's .so,
// with a config whose send limit per user the suite can reach (it sends
// up to 10,000 times as one user, as fast as it can): a limiter that
// refuses nothing would pass everything else, so that fails.

#include <functional>
#include <memory>

#include <natter/ratelimit.hpp>

namespace natter::conformance {

// The limiter under test, as the suite drives it; the suite calls admit()
// from several threads at once, as the broker does.
class RateLimiterUnderTest {
 public:
  virtual ~RateLimiterUnderTest() = default;
  // Creates and starts an instance; fails the test on error.
  virtual natter::RateLimiter& open() = 0;
  // Stops and destroys the instance open() returned, if any.
  virtual void close() = 0;
};

void set_rate_limiter_under_test(std::function<std::unique_ptr<RateLimiterUnderTest>()> factory);

}  // namespace natter::conformance
