#pragma once
// Development authentication: a client is whoever it says it is (the
// `user` it asks for), or a fresh guest name if it asks for none. Only the
// shape of the name is checked. Use JWT auth for anything public.

#include <atomic>
#include <string>

#include <natter/plugin.hpp>

namespace natter::auth {

class AnonymousAuth final : public natter::Authenticator {
 public:
  AnonymousAuth(natter::Host& host, const natter::PluginConfig& config);

  bool start(natter::Diagnostic& error) noexcept override;
  void authenticate(const natter::ConnectInfo& info, natter::AuthDone& done) noexcept override;
  void stop() noexcept override {}

  static std::span<const natter::ConfigKey> keys();

 private:
  std::string guest_prefix_;
  bool allow_chosen_names_;
  std::size_t max_name_bytes_;
  std::atomic<std::uint64_t> next_guest_;
};

}  // namespace natter::auth
