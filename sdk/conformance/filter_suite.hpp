#pragma once
// The filter conformance suite: what the broker relies on from every
// content filter. `natter-conformance filter` runs it on a plugin's .so.

#include <functional>
#include <memory>

#include <natter/filter.hpp>

namespace natter::conformance {

// The filter under test, as the suite drives it. Single-threaded use.
class FilterUnderTest {
 public:
  virtual ~FilterUnderTest() = default;
  // Creates and starts an instance; fails the test on error.
  virtual natter::Filter& open() = 0;
  // Stops and destroys the instance open() returned, if any.
  virtual void close() = 0;
};

void set_filter_under_test(std::function<std::unique_ptr<FilterUnderTest>()> factory);

}  // namespace natter::conformance
