#pragma once
// Authentication decides who a connecting client is.

#include "natter/abi.hpp"
#include "natter/values.hpp"

namespace natter {

// Broker-owned completion; exactly one method, once, from any thread.
class AuthDone {
 public:
  virtual void accepted(const Identity& identity) noexcept = 0;
  virtual void refused(std::string_view reason) noexcept = 0;

 protected:
  ~AuthDone() = default;
};

class Authenticator : public Plugin {
 public:
  virtual bool start(Diagnostic& error) noexcept = 0;  // main thread
  // May complete inline or later. Any thread.
  virtual void authenticate(const ConnectInfo& info, AuthDone& done) noexcept = 0;
};

}  // namespace natter
