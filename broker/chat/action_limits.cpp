#include "chat/action_limits.hpp"

#include "chat/loop_completions.hpp"

namespace natter::chat {

namespace {

std::string_view doing(natter::LimitedAction action) {
  switch (action) {
    case natter::LimitedAction::connect: return "connecting too often";
    case natter::LimitedAction::join: return "joining too fast";
    case natter::LimitedAction::typing: return "typing events too fast";
    case natter::LimitedAction::create_room: return "creating rooms too fast";
    case natter::LimitedAction::edit: return "editing too fast";
    case natter::LimitedAction::send: break;
  }
  return "sending too fast";
}

}  // namespace

std::optional<natter::LimitedAction> limited_action(natter::Op op) noexcept {
  switch (op) {
    case natter::Op::join: return natter::LimitedAction::join;
    case natter::Op::typing: return natter::LimitedAction::typing;
    case natter::Op::create_room: return natter::LimitedAction::create_room;
    case natter::Op::edit:
    case natter::Op::delete_message: return natter::LimitedAction::edit;
    default: return std::nullopt;
  }
}

void count_refusal(Session& session, std::uint32_t close_after) {
  if (close_after == 0 || ++session.refusals_in_a_row < close_after) return;
  session.link().close(natter::CloseCode::rate_limited,
                       "refused by the rate limits " + std::to_string(close_after) + " times in a row");
}

struct ActionLimits::Check {
  std::uint64_t session_id;
  natter::LimitedAction action;
  std::string user, room, ref, remote_address;
  Then then;
  std::size_t next = 0;  // the limiter to ask next
  std::uint64_t generation;
};

ActionLimits::ActionLimits(const config::BrokerSettings& settings, const PolicyChains& chains,
                           SessionTable& sessions, Outbox& outbox, runtime::Executor& loop)
    : settings_(settings), sessions_(sessions), outbox_(outbox), loop_(loop) {
  replace_chains(chains);
}

void ActionLimits::replace_chains(const PolicyChains& chains) {
  limiters_.clear();
  for (std::size_t i = 0; i < chains.limiters.size(); ++i) {
    if (i < chains.limiter_minors.size() && chains.limiter_minors[i] >= 7) limiters_.push_back(chains.limiters[i]);
  }
  ++generation_;
}

void ActionLimits::check(Session& session, natter::LimitedAction action, std::string_view user,
                         std::string_view room, std::string_view ref, Then then) {
  if (limiters_.empty()) {
    then(session);
    return;
  }
  session.hold();  // until the last limiter answered
  auto check = std::make_shared<Check>(Check{session.id(), action, std::string(user), std::string(room),
                                             std::string(ref), std::string(session.remote_address()),
                                             std::move(then), 0, generation_});
  ask_next(check);
}

void ActionLimits::ask_next(const std::shared_ptr<Check>& check) {
  if (check->generation != generation_) {
    // A reload replaced the chain meanwhile: the new limits apply, from the start.
    check->generation = generation_;
    check->next = 0;
  }
  if (check->next == limiters_.size()) {
    Session* session = sessions_.find(check->session_id);
    if (!session) return;
    ResumeAtEnd resume(session);
    session->refusals_in_a_row = 0;
    check->then(*session);
    return;
  }
  const natter::AdmitRequest request{check->user, check->room, check->remote_address, 1, check->action,
                                     check->session_id};
  auto* done = new LoopAdmit(loop_, [this, check](bool admitted, std::uint32_t retry_after_ms) {
    if (!admitted) return refused(*check, retry_after_ms);
    ++check->next;
    ask_next(check);
  });
  limiters_[check->next]->admit(request, *done);
}

void ActionLimits::refused(const Check& check, std::uint32_t retry_after_ms) {
  Session* session = sessions_.find(check.session_id);
  if (!session) return;
  ResumeAtEnd resume(session);
  const std::string why = std::string(doing(check.action)) + "; retry in " + std::to_string(retry_after_ms) + " ms";
  outbox_.send_error(*session, check.ref, natter::ErrorCode::rate_limited, why, retry_after_ms);
  if (check.action == natter::LimitedAction::connect) {
    session->link().close(natter::CloseCode::rate_limited, why);
    return;
  }
  count_refusal(*session, settings_.rate_limited_close_after);
}

}  // namespace natter::chat
