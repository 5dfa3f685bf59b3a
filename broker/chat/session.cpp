#include "chat/session.hpp"

#include "runtime/executor.hpp"
#include "runtime/logging.hpp"

namespace natter::chat {

OwnedCommand OwnedCommand::copy_of(const natter::Command& c) {
  return {c.op,    std::string(c.ref), std::string(c.room), std::string(c.body),
          std::string(c.password), c.since, c.has_since, c.before, c.limit};
}

Session::Session(CommandSink& sink, runtime::Executor& loop, std::uint64_t id, natter::ClientLink& link,
                 natter::Fanout* fanout, bool inline_commands, std::string remote_address)
    : sink_(sink),
      loop_(loop),
      id_(id),
      link_(link),
      fanout_(fanout),
      inline_commands_(inline_commands),
      remote_address_(std::move(remote_address)) {}

void Session::submit(const natter::Command& command) noexcept {
  try {
    auto task = [this, c = OwnedCommand::copy_of(command)]() mutable { sink_.handle(*this, std::move(c)); };
    if (inline_commands_) {
      loop_.run_or_post(std::move(task));
    } else {
      loop_.post(std::move(task));
    }
  } catch (const std::exception& e) {
    runtime::log().error("dropping a command from {}: {}", remote_address_, e.what());
  }
}

void Session::close() noexcept {
  try {
    loop_.post([this] { sink_.end_session(*this); });
  } catch (const std::exception& e) {
    // Without the post the session would leak and its link never detach.
    runtime::log().critical("cannot end session {}: {}", id_, e.what());
    std::terminate();
  }
}

}  // namespace natter::chat
