#include "chat/session.hpp"

#include "runtime/executor.hpp"
#include "runtime/logging.hpp"

namespace natter::chat {

OwnedCommand OwnedCommand::copy_of(const natter::Command& c, std::uint32_t abi_minor) {
  OwnedCommand copy;
  copy.op = c.op;
  copy.ref = c.ref;
  copy.room = c.room;
  copy.body = c.body;
  copy.password = c.password;
  copy.since = c.since;
  copy.has_since = c.has_since;
  copy.before = c.before;
  copy.limit = c.limit;
  if (abi_minor >= 4) {
    copy.after = c.after;
    copy.has_after = c.has_after;
    copy.stopped = c.stopped;
  }
  if (abi_minor >= 5) {
    copy.to = c.to;
    copy.user = c.user;
    copy.kind = c.kind;
    copy.members_invite = c.members_invite;
    copy.after_room = c.after_room;
    copy.users.assign(c.users.begin(), c.users.end());
    copy.id = c.id;
  }
  if (abi_minor >= 10) copy.traceparent = c.traceparent;
  if (abi_minor >= 11) {
    for (const auto& a : c.attachments) copy.attachments.push_back(OwnedAttachment::copy_of(a));
  }
  return copy;
}

Session::Session(CommandSink& sink, runtime::Executor& loop, std::uint64_t id, natter::ClientLink& link,
                 TransportTraits transport, std::string remote_address)
    : sink_(sink),
      loop_(loop),
      id_(id),
      link_(link),
      transport_(transport),
      remote_address_(std::move(remote_address)) {}

void Session::submit(const natter::Command& command) noexcept {
  try {
    auto task = [this, c = OwnedCommand::copy_of(command, transport_.abi_minor)]() mutable {
      sink_.handle(*this, std::move(c));
    };
    if (transport_.inline_commands) {
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
