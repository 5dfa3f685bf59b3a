#pragma once
// The one symbol a plugin exports. The broker reads it first and refuses a
// plugin whose ABI, kind or shape it does not speak, before calling into it.
//
// Rules of the boundary (docs/architecture.md, "The plugin boundary"): interfaces are
// pure virtual with noexcept methods taking SDK value types, string_view,
// span, integers and other SDK interfaces. No exception, std::string,
// std::function, Boost or toml11 type crosses it. Whoever allocates frees.
// New capabilities arrive as new interfaces and a new minor version; an
// existing interface never grows.

#include <cstdint>
#include <version>

#include "natter/host.hpp"

namespace natter {

// A plugin built for another major version is refused.
inline constexpr std::uint32_t kAbiMajor = 1;
// A plugin built for a newer minor than the broker's is refused.
// 1.1: the descriptor's query() and the Fanout interface.
// 1.2: the InlineCommands interface.
// 1.3: the BatchesCompletions and CompletionRuns interfaces.
// 1.4: history pages forward (Command's after and has_after, Event's more)
//      and typing (Op::typing, Command's stopped, EventKind::typing,
//      Event's ttl_ms).
// 1.5: rooms with kinds, owners and invitations, direct messages, presence
//      and read markers (the Op,
//      EventKind and ErrorCode values marked 1.5, Command's and Event's
//      1.5 fields, RoomEntry, MemberEntry) and the RoomState interface.
// 1.6: edits, deletions and unread counts (the Op and EventKind values
//      marked 1.6, MessageMark, Event's 1.6 fields) and the
//      MessageRevisions, UnreadCounts and SentRefs interfaces.
// 1.7: the Reloadable interface; rate limits per action (LimitedAction,
//      AdmitRequest's 1.7 fields, CloseCode::rate_limited); Identity's
//      expires_at_ms.
// 1.8: what a credential allows (Identity's may_create_rooms,
//      rooms_limited and rooms); users a transport authenticated itself
//      (ConnectInfo's authenticated).
// 1.9: a pub/sub plugin reports publications it may have missed
//      (BusListener::gap) and never hands a node its own publications.
// 1.10: a send's W3C trace context (Command's traceparent) and the trace
//      id its ack carries back (Event's trace_id).
// 1.11: files shared through an object store: the attachments plugin kind
//      (natter/attachments.hpp), Op::upload and Op::download and their
//      answers, Command's and Event's attachments, and the MessageExtras
//      storage interface that keeps them with messages; the hook plugin
//      kind (natter/hook.hpp), told of messages that reached offline users.
// 1.12: a hook says whether it took each notice (ConfirmedHook), so the
//      broker's fault policy can time it and trip its circuit breaker.
inline constexpr std::uint32_t kAbiMinor = 12;

// The C++ standard library this side of the boundary is built against.
// std::string_view and std::span cross the boundary, and libstdc++ and
// libc++ lay them out differently (pointer and length swapped), so a
// plugin and a broker built against different ones cannot call each
// other: the broker refuses such a plugin by this name, before calling it.
inline constexpr const char* kStandardLibrary =
#if defined(_LIBCPP_VERSION)
    "libc++";
#elif defined(__GLIBCXX__)
    "libstdc++";
#else
    "unknown";
#endif

// Numbers are ABI and never reused.
enum class PluginKind : std::uint32_t {
  transport = 1, storage = 2, pubsub = 3, filter = 4, ratelimit = 5, auth = 6,
  attachments = 7, hook = 8,  // 1.11
};

enum class KeyType : std::uint32_t {
  string = 1, integer = 2, boolean = 3, floating = 4, string_list = 5,
};

// One key of a plugin's config table, declared once: the broker validates
// the table against these, fills in defaults and prints them with
// `natterd --list-plugins`.
struct ConfigKey {
  const char* name;
  KeyType type;
  // The default as TOML would spell the value without quotes ("8080",
  // "true", "/var/lib/x", "a,b" for a list). nullptr: the key is required.
  const char* default_value;
  const char* description;
};

// Base of every plugin kind. The broker calls stop() once, from its main
// thread, before destroying the instance; stop() returns when the plugin
// has finished its work (flushed, closed) and will call nothing back.
class Plugin {
 public:
  virtual void stop() noexcept = 0;

 protected:
  ~Plugin() = default;
};

// ABI 1.7, optional, for any kind: a plugin that also derives from
// Reloadable re-reads what it took from files outside natter.toml (a TLS
// certificate renewed in place, a word list) when natterd gets SIGHUP.
// The broker calls reload() from its main thread, between start() and
// stop(), never concurrently with itself; the plugin keeps serving while
// it runs. On failure it reports why to `error`, keeps what it had and
// returns false; the broker logs that and carries on. Changes to the
// plugin's config table itself still need a restart.
class Reloadable {
 public:
  static constexpr const char* kInterface = "natter.reloadable.1";
  virtual bool reload(Diagnostic& error) noexcept = 0;

 protected:
  ~Reloadable() = default;
};

}  // namespace natter

extern "C" {

// Layout grows only at the end; struct_size tells the broker how much of it
// this plugin filled in.
struct natter_plugin_descriptor {
  std::uint32_t struct_size;
  std::uint32_t abi_major;
  std::uint32_t abi_minor;
  std::uint32_t kind;  // natter::PluginKind
  const char* name;
  const char* version;
  const char* summary;
  const natter::ConfigKey* keys;
  std::uint32_t key_count;
  // Creates an instance of the kind's interface (cast from Plugin by the
  // broker according to `kind`). Returns nullptr after reporting why to
  // `error`. `host` and `config` outlive the instance. Main thread only.
  natter::Plugin* (*create)(natter::Host* host, const natter::PluginConfig* config,
                            natter::Diagnostic* error);
  // Frees what create() returned, after stop(). Main thread only.
  void (*destroy)(natter::Plugin* instance);
  // ABI 1.1: the instance as an optional interface named `name` (such as
  // natter::Fanout::kInterface), or nullptr if it has none by that name.
  // The pointer lives as long as the instance. Main thread only.
  void* (*query)(natter::Plugin* instance, const char* name);
  // natter::kStandardLibrary as the plugin saw it. A descriptor too short
  // to hold it (built before this field existed) is taken to match.
  const char* standard_library;
};

}  // extern "C"

#define NATTER_DESCRIPTOR_SYMBOL "natter_plugin"
