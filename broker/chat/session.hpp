#pragma once
// One client connection as the broker sees it: a plain record of who it
// is and what it joined, plus the natter::SessionPort its transport calls.
// The port's methods may run on the transport's thread: they copy the
// command and hand it up through the session's CommandSink on the broker
// loop (right there, if the transport allows inline commands and the loop
// is idle). Everything else here is loop state. A session knows nothing
// above it but its CommandSink.

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <natter/transport.hpp>

#include "chat/grants.hpp"
#include "chat/shared_event.hpp"

namespace natter::runtime {
class Executor;
}

namespace natter::chat {

class Session;

// What the broker knows of the transport a session came through.
struct TransportTraits {
  natter::Fanout* fanout = nullptr;  // the transport's, or nullptr if it offers none
  bool inline_commands = false;      // it lets submit() run the command (natter::InlineCommands)
  std::uint32_t abi_minor = 0;       // the SDK minor it was built against
};

// A Command with owned strings, so it can cross to the loop thread.
struct OwnedCommand {
  natter::Op op = natter::Op::ping;
  std::string ref, room, body, password;
  std::uint64_t since = 0;
  bool has_since = false;
  std::uint64_t before = 0;
  std::uint32_t limit = 0;
  std::uint64_t after = 0;
  bool has_after = false;
  bool stopped = false;
  std::string to, user, kind, after_room;
  bool members_invite = false;
  std::vector<std::string> users;
  std::uint64_t id = 0;
  std::string traceparent;
  AttachmentList attachments;

  // Reads only the fields a transport built against `abi_minor` fills in:
  // an older transport's Command ends before the newer fields.
  static OwnedCommand copy_of(const natter::Command& c, std::uint32_t abi_minor);
};

// Where a session's commands and its end go: the broker's dispatcher.
// Loop thread only.
class CommandSink {
 public:
  virtual void handle(Session& session, OwnedCommand command) = 0;
  // The session may run commands again (see Session::hold): run the ones
  // held meanwhile, in order.
  virtual void resume(Session& session) = 0;
  // The transport closed the session; the sink detaches its link.
  virtual void end_session(Session& session) = 0;

 protected:
  ~CommandSink() = default;
};

class Session final : public natter::SessionPort {
 public:
  // `sink` and `loop` outlive the session.
  Session(CommandSink& sink, runtime::Executor& loop, std::uint64_t id, natter::ClientLink& link,
          TransportTraits transport, std::string remote_address);

  // SessionPort: the transport's thread.
  void submit(const natter::Command& command) noexcept override;
  void close() noexcept override;

  // Loop thread only from here on.
  std::uint64_t id() const noexcept { return id_; }
  natter::ClientLink& link() const noexcept { return link_; }
  natter::Fanout* fanout() const noexcept { return transport_.fanout; }
  // Whether the session's transport knows how to encode `kind`.
  bool can_encode(natter::EventKind kind) const noexcept {
    return transport_.abi_minor >= natter::minor_introducing(kind);
  }
  bool can_encode(natter::ErrorCode code) const noexcept {
    return transport_.abi_minor >= natter::minor_introducing(code);
  }
  const std::string& remote_address() const noexcept { return remote_address_; }
  bool joined(std::string_view room) const { return rooms.find(room) != rooms.end(); }
  // Whether live events for `room` are held back behind its replay.
  bool holds_back(std::string_view room) const {
    return !replaying.empty() && replaying.find(room) != replaying.end();
  }

  std::string user;             // empty until authenticated
  std::shared_ptr<const Grants> grants;  // what the credential allows; null: limited by nothing
  bool closed = false;          // the transport closed the port
  std::uint32_t refusals_in_a_row = 0;  // by the rate limiters (ActionLimits)
  std::set<std::string, std::less<>> rooms;  // joined rooms
  // Rooms replaying missed messages, with the live events held back.
  std::map<std::string, std::vector<EventRef>, std::less<>> replaying;
  // A command that waits (for storage, a password check) holds the
  // session, so the commands after it wait too and run in order: a client
  // may send `join` and then `send` without waiting for `joined`. Holds
  // nest; the last resume() runs what was held.
  void hold() noexcept { ++holds_; }
  void resume() {
    if (holds_ && --holds_ == 0) sink_.resume(*this);
  }
  bool held() const noexcept { return holds_ != 0 || user.empty(); }
  // Commands that arrived while the session was held, or before
  // authentication finished.
  std::vector<OwnedCommand> waiting;

 private:
  CommandSink& sink_;
  runtime::Executor& loop_;
  std::uint64_t id_;
  natter::ClientLink& link_;
  TransportTraits transport_;
  std::string remote_address_;
  std::uint32_t holds_ = 0;
};

// Resumes a session when a continuation ends, on every path out of it.
class ResumeAtEnd {
 public:
  explicit ResumeAtEnd(Session* session) : session_(session) {}
  ~ResumeAtEnd() {
    if (session_) session_->resume();
  }
  ResumeAtEnd(const ResumeAtEnd&) = delete;
  ResumeAtEnd& operator=(const ResumeAtEnd&) = delete;

 private:
  Session* session_;
};

}  // namespace natter::chat
