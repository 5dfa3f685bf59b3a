#pragma once
// The auth conformance suite: what the broker relies on from every auth
// plugin. `natter-conformance auth` runs it on a plugin's .so with the
// author's examples: credentials and what the plugin makes of them. An
// auth plugin that accepts everything would pass everything else, so the
// examples must include one it refuses.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <natter/auth.hpp>

namespace natter::conformance {

// One sign-in, by example.
struct AuthExample {
  std::string requested_user;  // ?user=
  std::string token;           // ?token= or Authorization: Bearer
  bool refused = false;
  std::string user;  // accepted: the user it becomes; empty: any user
};

// The plugin under test; the suite calls authenticate() from several
// threads at once, as the broker does.
class AuthUnderTest {
 public:
  virtual ~AuthUnderTest() = default;
  // Creates and starts an instance; fails the test on error.
  virtual natter::Authenticator& open() = 0;
  // Stops and destroys the instance open() returned, if any.
  virtual void close() = 0;
  virtual std::vector<AuthExample> examples() = 0;
};

void set_auth_under_test(std::function<std::unique_ptr<AuthUnderTest>()> factory);

}  // namespace natter::conformance
