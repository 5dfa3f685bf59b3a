#pragma once
// The plugins the chat services work through. The daemon owns every
// plugin and keeps it alive until the broker is gone; these are borrowed.
// Those the broker waits for are their guarded views (broker/faults), so
// every call to them has a deadline and a circuit breaker.

#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "faults/guarded_hook.hpp"

namespace natter::chat {

// The rate limiters and filters every message passes (the limiters also
// every other limited action, ActionLimits), in config order.
// A reload replaces them whole (SendPipeline::replace_chains).
struct PolicyChains {
  std::vector<natter::RateLimiter*> limiters;
  std::vector<natter::Filter*> filters;
  // For metrics: one name per plugin above, in the same order.
  std::vector<std::string> limiter_names, filter_names;
  // The SDK minor of each limiter: one built before 1.7 is asked about sends only.
  std::vector<std::uint32_t> limiter_minors;
};

struct BrokerParts {
  natter::Storage& storage;
  natter::RoomState* room_state;  // the storage's, or nullptr if it keeps none
  natter::MessageRevisions* revisions;  // the storage's, or nullptr if it keeps no edits
  natter::UnreadCounts* unread;         // the storage's, or nullptr if it counts nothing
  natter::SentRefs* refs;               // the storage's, or nullptr if it keeps no refs
  natter::MessageExtras* extras;        // the storage's, or nullptr if it keeps no attachments
  natter::Attachments* attachments;     // the [attachments] plugin, or nullptr if none is configured
  std::vector<faults::GuardedHook*> hooks;  // the [[hook]] plugins, guarded, in config order
  natter::PubSub& pubsub;
  natter::Authenticator& auth;
  std::string storage_name, auth_name;  // for metrics
  std::uint32_t auth_minor = 0;         // the SDK minor the auth plugin was built against
  PolicyChains chains;
};

}  // namespace natter::chat
