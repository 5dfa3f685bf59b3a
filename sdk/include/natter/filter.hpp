#pragma once
// Content filters run as an ordered chain on every message before it gets
// an id; each sees the body as the previous filter left it.

#include "natter/abi.hpp"
#include "natter/values.hpp"

namespace natter {

// A message before it is accepted.
struct MessageDraft {
  std::string_view room;
  std::string_view sender;
  std::string_view body;
};

// Broker-owned verdict sink for one inspect() call; use it only during the
// call. Call neither method to pass the message unchanged.
class FilterVerdict {
 public:
  // Replace the body (copied) for the rest of the chain and for delivery.
  virtual void rewrite(std::string_view new_body) noexcept = 0;
  // Refuse the message; the sender gets `rejected` with this reason.
  virtual void reject(std::string_view reason) noexcept = 0;

 protected:
  ~FilterVerdict() = default;
};

class Filter : public Plugin {
 public:
  virtual bool start(Diagnostic& error) noexcept = 0;  // main thread
  // Synchronous and quick: it runs on a broker thread. Any broker thread.
  virtual void inspect(const MessageDraft& draft, FilterVerdict& verdict) noexcept = 0;
};

}  // namespace natter
