#pragma once
// The filter conformance suite: what the broker relies on from every
// content filter. `natter-conformance filter` runs it on a plugin's .so.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <natter/filter.hpp>

namespace natter::conformance {

// One thing the filter does, by example: what it makes of `body`.
struct FilterExample {
  enum class Verdict { pass, rewrite, reject };
  std::string body;
  Verdict verdict = Verdict::pass;
  std::string rewritten;  // rewrite: the body it becomes
};

// The filter under test, as the suite drives it. Single-threaded use.
class FilterUnderTest {
 public:
  virtual ~FilterUnderTest() = default;
  // Creates and starts an instance; fails the test on error.
  virtual natter::Filter& open() = 0;
  // Stops and destroys the instance open() returned, if any.
  virtual void close() = 0;
  // What the filter does, as its author declares it (natter-conformance
  // --examples FILE.toml). The suite checks each, and fails a filter that
  // declares no example it rejects or rewrites: a filter that does nothing
  // would pass everything else.
  virtual std::vector<FilterExample> examples() { return {}; }
};

void set_filter_under_test(std::function<std::unique_ptr<FilterUnderTest>()> factory);

}  // namespace natter::conformance
