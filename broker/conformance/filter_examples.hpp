#pragma once
// The examples a filter's author gives natter-conformance (--examples
// FILE.toml), read into the kit's FilterExamples:
//
//   [[example]]
//   body = "hello"
//   rewrite = "[ex] hello"   # or: reject = true, or: pass = true
//
// Main thread.

#include <string>
#include <vector>

#include "filter_suite.hpp"

namespace natter::conformance {

// Throws natter::config::ConfigError naming the file and line of a bad example.
std::vector<FilterExample> read_filter_examples(const std::string& path);

}  // namespace natter::conformance
