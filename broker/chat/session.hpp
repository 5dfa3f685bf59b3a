#pragma once
// One client connection as the broker sees it. The transport calls the
// SessionPort methods from its own thread; they copy the command and hand
// it to the broker loop, which runs it right there if the transport allows
// (natter::InlineCommands) and the loop is idle. Everything else here is
// loop state.

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <natter/transport.hpp>

#include "chat/shared_event.hpp"

namespace natter::runtime {
class Executor;
}

namespace natter::chat {

class Broker;

// A Command with owned strings, so it can cross to the loop thread.
struct OwnedCommand {
  natter::Op op = natter::Op::ping;
  std::string ref, room, body, password;
  std::uint64_t since = 0;
  bool has_since = false;
  std::uint64_t before = 0;
  std::uint32_t limit = 0;

  static OwnedCommand copy_of(const natter::Command& c);
};

class Session final : public natter::SessionPort {
 public:
  // `fanout`: the link's transport's, or nullptr if it offers none.
  // `inline_commands`: the transport lets submit() run the command.
  Session(Broker& broker, runtime::Executor& loop, std::uint64_t id, natter::ClientLink& link,
          natter::Fanout* fanout, bool inline_commands, std::string remote_address);

  void submit(const natter::Command& command) noexcept override;
  void close() noexcept override;

  // Loop tasks only from here on.
  std::uint64_t id() const noexcept { return id_; }
  natter::ClientLink& link() const noexcept { return link_; }
  natter::Fanout* fanout() const noexcept { return fanout_; }
  // Whether live events for `room` are held back behind its replay.
  bool holds_back(std::string_view room) const {
    return !replaying.empty() && replaying.find(room) != replaying.end();
  }
  const std::string& remote_address() const noexcept { return remote_address_; }

  // Queues `event` for the client, or holds it back while `room` (if
  // given) is replaying missed messages, so replay comes first.
  void send(const EventRef& event, std::string_view room = {});
  void send_error(std::string_view ref, natter::ErrorCode code, std::string_view message,
                  std::uint32_t retry_after_ms = 0);

  std::string user;             // empty until authenticated
  bool closed = false;          // the transport closed the port
  std::set<std::string, std::less<>> rooms;  // joined rooms
  // Rooms replaying missed messages, with the live events held back.
  std::map<std::string, std::vector<EventRef>, std::less<>> replaying;
  // Commands that arrived before authentication finished.
  std::vector<OwnedCommand> early_commands;

 private:
  Broker& broker_;
  runtime::Executor& loop_;
  std::uint64_t id_;
  natter::ClientLink& link_;
  natter::Fanout* fanout_;
  bool inline_commands_;
  std::string remote_address_;
};

}  // namespace natter::chat
