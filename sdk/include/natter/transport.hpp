#pragma once
// Transports carry sessions between clients and the broker: they decode
// client commands into Command values and encode Event values for the wire.

#include <cstddef>
#include <cstdint>
#include <span>

#include "natter/abi.hpp"
#include "natter/values.hpp"

namespace natter {

// Close reasons, numbered as WebSocket close codes so a WebSocket transport
// can pass them through; other transports map them.
enum class CloseCode : std::uint16_t {
  normal = 1000,
  going_away = 1001,     // the broker is shutting down
  policy = 1008,         // e.g. the client fell too far behind
  too_big = 1009,
  unauthorized = 4001,   // authentication refused
  rate_limited = 4029,   // ABI 1.7: refused by the rate limiters over and over
  internal = 1011,
};

// Broker-owned sink for encoded bytes. Call thread only.
class ByteSink {
 public:
  virtual void append(std::span<const std::byte> bytes) noexcept = 0;

 protected:
  ~ByteSink() = default;
};

// A transport's wire format. The broker tells encoders apart by address, so
// use one long-lived instance per format. encode() may run on any thread.
class EventEncoder {
 public:
  virtual void encode(const Event& event, ByteSink& out) const noexcept = 0;

 protected:
  ~EventEncoder() = default;
};

// An event shared by all its recipients, owned by the broker and counted:
// retain() to keep it past the deliver() call, release() exactly once for
// each retain(). Any thread.
class SharedEvent {
 public:
  virtual const Event& event() const noexcept = 0;
  // The event in `encoder`'s format. The first caller per encoder encodes;
  // every later caller, on any thread, gets the same bytes, which live as
  // long as the event. This is what makes fan-out encode once per format.
  virtual std::span<const std::byte> encoded(const EventEncoder& encoder) const noexcept = 0;
  virtual void retain() const noexcept = 0;
  virtual void release() const noexcept = 0;

 protected:
  ~SharedEvent() = default;
};

// One client connection, owned by the transport. The broker calls it from
// its own threads (and, for a transport that derives from InlineCommands,
// from inside SessionPort::submit() on the calling thread); the link must
// not block and must not call back into the broker synchronously from
// these methods.
class ClientLink {
 public:
  // Queue `event` for the client, in call order.
  virtual void deliver(const SharedEvent& event) noexcept = 0;
  // Send what is queued, then close with `code`; `reason` is for humans.
  virtual void close(CloseCode code, std::string_view reason) noexcept = 0;
  // The broker will never call this link again; the transport may free it.
  // Called exactly once per opened session.
  virtual void detached() noexcept = 0;

 protected:
  ~ClientLink() = default;
};

// The broker's side of one session, owned by the broker. Any thread, but
// calls for one session must not overlap (one connection's reader).
class SessionPort {
 public:
  // The broker copies what it needs before returning.
  virtual void submit(const Command& command) noexcept = 0;
  // The connection is gone. Do not use the port again; the broker answers
  // with link.detached() once it is done with the link.
  virtual void close() noexcept = 0;

 protected:
  ~SessionPort() = default;
};

// How a transport's connections enter the broker. Broker-owned; lives until
// after the transport's stop() returns. Any thread.
class BrokerEntry {
 public:
  // Opens a session for `link`, which must stay valid until link.detached().
  // Authentication runs asynchronously: the link then receives `welcome`,
  // or an `error` followed by close(unauthorized). Never returns nullptr.
  virtual SessionPort* open_session(ClientLink& link, const ConnectInfo& info) noexcept = 0;
  // A transport-level refusal of a command that never decoded (bad JSON,
  // missing field), counted by the broker as a bad request.
  virtual void count_bad_request() noexcept = 0;

 protected:
  ~BrokerEntry() = default;
};

// ABI 1.1, optional: a transport that also derives from Fanout takes one
// event for many of its links in one call, so it can hand the event to
// each of its I/O threads once, not once per recipient, and write many
// events per system call. The broker calls it from one thread at a time:
// its loop thread, or a transport thread it runs a command on (see
// InlineCommands).
class Fanout {
 public:
  static constexpr const char* kInterface = "natter.fanout.1";
  // Queues `event` for each of `links`: links this transport opened that
  // have not been detached; the span is only valid during the call. Events
  // for one link keep their order across this and ClientLink::deliver().
  // The transport may hold them back until flush().
  virtual void deliver(std::span<ClientLink* const> links, const SharedEvent& event) noexcept = 0;
  // The broker has handed over every event it has ready: send what
  // deliver() queued. Called after each run of deliver() calls.
  virtual void flush() noexcept = 0;

 protected:
  ~Fanout() = default;
};

// ABI 1.2, optional, a promise with no methods: a transport that also
// derives from InlineCommands lets the broker run a command inside
// SessionPort::submit(), on the calling thread, whenever the broker is not
// busy on another thread. The command's replies and a room's fan-out are
// then queued (ClientLink::deliver(), Fanout::deliver() and flush()) before
// submit() returns, without the two thread switches of a hand-over. The
// transport must therefore not hold, while it calls submit(), a lock that
// its ClientLink or Fanout methods take.
class InlineCommands {
 public:
  static constexpr const char* kInterface = "natter.inline_commands.1";

 protected:
  ~InlineCommands() = default;
};

class Transport : public Plugin {
 public:
  // Bind and start serving; sessions enter through `broker`. Returns false
  // after reporting why to `error`. Main thread.
  virtual bool start(BrokerEntry& broker, Diagnostic& error) noexcept = 0;
  // Plugin::stop(): stop accepting, close every connection with
  // going_away after its queued events are sent, and return once every
  // session port has been closed.
};

}  // namespace natter
