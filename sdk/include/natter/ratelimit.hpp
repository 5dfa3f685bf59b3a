#pragma once
// Rate limiters run as an ordered chain before filters; a message is
// admitted only if every limiter admits it.

#include <cstdint>

#include "natter/abi.hpp"
#include "natter/values.hpp"

namespace natter {

struct AdmitRequest {
  std::string_view user;
  std::string_view room;
  std::string_view remote_address;
  std::uint32_t cost = 1;  // tokens this message takes
};

// Broker-owned completion; exactly one method, once, from any thread.
class AdmitDone {
 public:
  virtual void admitted() noexcept = 0;
  virtual void refused(std::uint32_t retry_after_ms) noexcept = 0;

 protected:
  ~AdmitDone() = default;
};

class RateLimiter : public Plugin {
 public:
  virtual bool start(Diagnostic& error) noexcept = 0;  // main thread
  // May complete inline or later (a distributed limiter). Any thread.
  virtual void admit(const AdmitRequest& request, AdmitDone& done) noexcept = 0;
};

}  // namespace natter
