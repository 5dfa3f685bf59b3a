#include "faults/plugin_guards.hpp"

#include "config/settings.hpp"
#include "faults/guarded_attachments.hpp"
#include "faults/guarded_auth.hpp"
#include "faults/guarded_limiter.hpp"

namespace natter::faults {

FaultGuard& PluginGuards::guard_for(const plugins::PluginInstance& instance) {
  auto guard = std::make_unique<FaultGuard>(std::string(config::kind_name(instance.kind())), instance.name(),
                                            instance.section(), instance.faults(), timers_, metrics_);
  std::lock_guard lock(mutex_);
  guards_.push_back(std::move(guard));
  return *guards_.back();
}

template <class View, class... Args>
View& PluginGuards::keep(Args&&... args) {
  auto view = std::make_shared<View>(std::forward<Args>(args)...);
  views_.push_back(view);
  return *view;
}

GuardedStorage& PluginGuards::storage(const plugins::PluginInstance& instance) {
  const GuardedStorage::Parts parts{instance.as<natter::Storage>(),         instance.query<natter::RoomState>(),
                                    instance.query<natter::MessageRevisions>(), instance.query<natter::UnreadCounts>(),
                                    instance.query<natter::SentRefs>(),      instance.query<natter::MessageExtras>()};
  return keep<GuardedStorage>(parts, guard_for(instance));
}

natter::Authenticator& PluginGuards::auth(const plugins::PluginInstance& instance) {
  return keep<GuardedAuth>(instance.as<natter::Authenticator>(), guard_for(instance));
}

natter::Attachments& PluginGuards::attachments(const plugins::PluginInstance& instance) {
  return keep<GuardedAttachments>(instance.as<natter::Attachments>(), guard_for(instance));
}

GuardedHook& PluginGuards::hook(const plugins::PluginInstance& instance) {
  return keep<GuardedHook>(instance.as<natter::Hook>(), instance.query<natter::ConfirmedHook>(), guard_for(instance));
}

std::vector<natter::RateLimiter*> PluginGuards::limiters(std::span<const plugins::PluginInstance* const> instances) {
  {
    std::lock_guard lock(mutex_);
    for (auto it = guards_.begin(); it != guards_.end();) {
      if ((*it)->kind() == config::kind_name(natter::PluginKind::ratelimit)) {
        retired_.push_back(std::move(*it));
        it = guards_.erase(it);
      } else {
        ++it;
      }
    }
  }
  std::vector<natter::RateLimiter*> out;
  for (const auto* instance : instances) {
    out.push_back(&keep<GuardedLimiter>(instance->as<natter::RateLimiter>(), guard_for(*instance)));
  }
  return out;
}

std::vector<GuardSnapshot> PluginGuards::snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<GuardSnapshot> out;
  for (const auto& guard : guards_) out.push_back(guard->snapshot());
  return out;
}

}  // namespace natter::faults
