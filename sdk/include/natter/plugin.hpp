#pragma once
// Everything a plugin author includes, plus the header-only helpers that
// turn an ordinary C++ class into a plugin with one macro:
//
//   class Shout final : public natter::Filter { ... };
//   constexpr natter::ConfigKey kShoutKeys[] = {{"suffix", ...}};
//   NATTER_PLUGIN(filter, Shout, "shout", "1.0.0", "Upper-cases messages", kShoutKeys)
//
// The class needs a constructor (natter::Host&, const natter::PluginConfig&).
// It may throw from that constructor (std::exception); nothing else may
// throw across the boundary, and the helper turns the exception into the
// refusal the broker prints.

#include <exception>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "natter/abi.hpp"
#include "natter/attachments.hpp"
#include "natter/auth.hpp"
#include "natter/filter.hpp"
#include "natter/hook.hpp"
#include "natter/host.hpp"
#include "natter/pubsub.hpp"
#include "natter/ratelimit.hpp"
#include "natter/storage.hpp"
#include "natter/transport.hpp"
#include "natter/values.hpp"

#define NATTER_EXPORT __attribute__((visibility("default")))

namespace natter {

// Thrown from a plugin's constructor for a config value its type cannot
// rule out; the broker prints "file:line: [section] key 'k': <message>".
class ConfigError : public std::exception {
 public:
  ConfigError(const PluginConfig& config, std::string_view key, std::string_view message) {
    struct Capture final : Diagnostic {
      std::string text;
      void report(std::string_view m) noexcept override { text.assign(m); }
    } where;
    config.locate(key, where);
    text_ = where.text + std::string(message);
  }
  const char* what() const noexcept override { return text_.c_str(); }

 private:
  std::string text_;
};

// `key`'s integer, or ConfigError unless low <= value <= high.
inline std::int64_t int_in_range(const PluginConfig& config, std::string_view key, std::int64_t low,
                                 std::int64_t high) {
  const std::int64_t value = config.get_int(key);
  if (value < low || value > high) {
    throw ConfigError(config, key, "must be between " + std::to_string(low) + " and " + std::to_string(high) +
                                       " (got " + std::to_string(value) + ")");
  }
  return value;
}

namespace detail {

template <class Impl>
Plugin* create_plugin(Host* host, const PluginConfig* config, Diagnostic* error) {
  try {
    return new Impl(*host, *config);
  } catch (const std::exception& e) {
    error->report(e.what());
  } catch (...) {
    error->report("unknown exception in plugin constructor");
  }
  return nullptr;
}

template <class Impl>
void destroy_plugin(Plugin* instance) {
  delete static_cast<Impl*>(instance);
}

// Optional interfaces are found by what the class derives from.
template <class Impl>
void* query_plugin(Plugin* instance, const char* name) {
  [[maybe_unused]] auto* impl = static_cast<Impl*>(instance);
  if constexpr (std::is_base_of_v<Fanout, Impl>) {
    if (std::string_view(name) == Fanout::kInterface) return static_cast<Fanout*>(impl);
  }
  if constexpr (std::is_base_of_v<InlineCommands, Impl>) {
    if (std::string_view(name) == InlineCommands::kInterface) return static_cast<InlineCommands*>(impl);
  }
  if constexpr (std::is_base_of_v<BatchesCompletions, Impl>) {
    if (std::string_view(name) == BatchesCompletions::kInterface) return static_cast<BatchesCompletions*>(impl);
  }
  if constexpr (std::is_base_of_v<RoomState, Impl>) {
    if (std::string_view(name) == RoomState::kInterface) return static_cast<RoomState*>(impl);
  }
  if constexpr (std::is_base_of_v<MessageRevisions, Impl>) {
    if (std::string_view(name) == MessageRevisions::kInterface) return static_cast<MessageRevisions*>(impl);
  }
  if constexpr (std::is_base_of_v<UnreadCounts, Impl>) {
    if (std::string_view(name) == UnreadCounts::kInterface) return static_cast<UnreadCounts*>(impl);
  }
  if constexpr (std::is_base_of_v<SentRefs, Impl>) {
    if (std::string_view(name) == SentRefs::kInterface) return static_cast<SentRefs*>(impl);
  }
  if constexpr (std::is_base_of_v<MessageExtras, Impl>) {
    if (std::string_view(name) == MessageExtras::kInterface) return static_cast<MessageExtras*>(impl);
  }
  if constexpr (std::is_base_of_v<ConfirmedHook, Impl>) {
    if (std::string_view(name) == ConfirmedHook::kInterface) return static_cast<ConfirmedHook*>(impl);
  }
  if constexpr (std::is_base_of_v<Reloadable, Impl>) {
    if (std::string_view(name) == Reloadable::kInterface) return static_cast<Reloadable*>(impl);
  }
  return nullptr;
}

}  // namespace detail
}  // namespace natter

// Exports the descriptor for CLASS. KIND is one of transport, storage,
// pubsub, filter, ratelimit, auth, attachments or hook (1.11); KEYS a constexpr array of ConfigKey (or
// natter::kNoKeys).
#define NATTER_PLUGIN(KIND, CLASS, NAME, VERSION, SUMMARY, KEYS)                          \
  extern "C" NATTER_EXPORT const natter_plugin_descriptor natter_plugin = {                \
      sizeof(natter_plugin_descriptor),                                                   \
      natter::kAbiMajor,                                                                  \
      natter::kAbiMinor,                                                                  \
      static_cast<std::uint32_t>(natter::PluginKind::KIND),                               \
      NAME,                                                                               \
      VERSION,                                                                            \
      SUMMARY,                                                                            \
      std::span<const natter::ConfigKey>(KEYS).data(),                                    \
      static_cast<std::uint32_t>(std::span<const natter::ConfigKey>(KEYS).size()),        \
      &natter::detail::create_plugin<CLASS>,                                              \
      &natter::detail::destroy_plugin<CLASS>,                                             \
      &natter::detail::query_plugin<CLASS>,                                               \
      natter::kStandardLibrary,                                                           \
  };

namespace natter {
// For plugins without config keys: NATTER_PLUGIN(..., natter::kNoKeys).
inline constexpr std::span<const ConfigKey> kNoKeys{};
}  // namespace natter
