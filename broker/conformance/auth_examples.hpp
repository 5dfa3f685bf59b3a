#pragma once
// The examples an auth plugin's author gives natter-conformance
// (--examples FILE.toml), read into the kit's AuthExamples:
//
//   [[example]]
//   token = "eyJ..."          # and/or requested_user = "alice"
//   user = "alice"            # accepted as; or: refuse = true, or: accept = true (any user)
//
// Main thread.

#include <string>
#include <vector>

#include "auth_suite.hpp"

namespace natter::conformance {

// Throws natter::config::ConfigError naming the file and line of a bad example.
std::vector<AuthExample> read_auth_examples(const std::string& path);

}  // namespace natter::conformance
