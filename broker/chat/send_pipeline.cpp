#include "chat/send_pipeline.hpp"

#include <atomic>
#include <chrono>
#include <optional>

#include "chat/action_limits.hpp"
#include "chat/trace_context.hpp"
#include "runtime/logging.hpp"

namespace natter::chat {

// One message on its way through the pipeline. Plugins complete it from
// any thread; each completion hops to the loop before touching anything.
struct PendingSend final : natter::AdmitDone, natter::AppendDone {
  SendPipeline* pipeline = nullptr;
  runtime::Executor* loop = nullptr;
  std::uint64_t key = 0;
  std::uint64_t session_id = 0;
  std::string user, remote_address, ref;
  StoredMessage message;  // room and body first; id and time once accepted
  TraceId trace{};        // the client's (traceparent) or a new one; in the log lines about it
  std::size_t next_limiter = 0;
  std::uint64_t chain_generation = 0;  // of the limiter chain next_limiter counts in
  // Sessions that sent the same ref again while this was in flight: they
  // get this send's ack or error. Kept here, not in the RefLedger, which
  // may forget the ref meanwhile.
  std::vector<std::uint64_t> waiting_sessions;
  bool acked = false;
  bool delivered = false;
  std::chrono::steady_clock::time_point appended_at;
  std::chrono::steady_clock::time_point admit_asked;
  // Written by whichever thread completes the append, read on the loop
  // after the post (which orders it) or right after append() returns.
  std::atomic<bool> append_settled{false};
  natter::ErrorCode append_code = natter::ErrorCode::none;
  std::string append_detail;

  void admitted() noexcept override {
    post([this] { pipeline->admitted(*this); });
  }
  void refused(std::uint32_t retry_after_ms) noexcept override {
    post([this, retry_after_ms] { pipeline->refused(*this, retry_after_ms); });
  }
  void appended(natter::Status status) noexcept override {
    append_code = status.code;
    try {
      append_detail = status.detail;
    } catch (...) {
    }
    append_settled.store(true, std::memory_order_release);
    post([this] { pipeline->appended(*this); });
  }

 private:
  template <class Task>
  void post(Task task) noexcept {
    try {
      loop->post(std::move(task));
    } catch (...) {
      runtime::log().critical("cannot continue message {}: out of memory", message.id);
      std::terminate();
    }
  }
};

namespace {

// Collects one filter's verdict.
class Verdict final : public natter::FilterVerdict {
 public:
  void rewrite(std::string_view body) noexcept override {
    try {
      rewritten.assign(body);
      has_rewrite = true;
    } catch (...) {
    }
  }
  void reject(std::string_view why) noexcept override {
    try {
      reason.assign(why);
    } catch (...) {
    }
    rejected = true;
  }
  bool has_rewrite = false;
  bool rejected = false;
  std::string rewritten, reason;
};

}  // namespace

SendPipeline::SendPipeline(const config::BrokerSettings& settings, PolicyChains chains, SendTargets targets,
                           SnowflakeGenerator& ids, SessionTable& sessions, Outbox& outbox,
                           BrokerMetrics& broker_metrics, runtime::Executor& loop, runtime::MetricsRegistry& metrics)
    : settings_(settings),
      chains_(std::move(chains)),
      targets_(targets),
      sessions_(sessions),
      outbox_(outbox),
      broker_metrics_(broker_metrics),
      loop_(loop),
      ids_(ids),
      refs_(settings.remembered_refs),
      received_(metrics.counter("natter_messages_received_total", "send commands accepted for processing")),
      stored_(metrics.counter("natter_messages_stored_total", "Messages storage committed")),
      store_failures_(metrics.counter("natter_store_failures_total",
                                      "Messages storage could not take or keep")),
      duplicates_(metrics.counter("natter_duplicate_sends_total",
                                  "Retried sends answered with their first id")) {
  broker_metrics_.set_chains(chains_.limiter_names, chains_.filter_names);
}

SendPipeline::~SendPipeline() = default;

bool SendPipeline::load_refs(std::string& error) {
  if (!targets_.refs) return true;
  struct Collect final : natter::RefVisitor, natter::Diagnostic {
    void stored(const natter::StoredRef& r) noexcept override {
      try {
        newest_first.push_back({std::string(r.sender), std::string(r.ref), std::string(r.room), r.id, r.ts_ms});
      } catch (...) {
      }
    }
    void report(std::string_view message) noexcept override { why = message; }
    struct Ref {
      std::string sender, ref, room;
      std::uint64_t id;
      std::int64_t ts_ms;
    };
    std::vector<Ref> newest_first;
    std::string why;
  } collect;
  if (!targets_.refs->load_refs(static_cast<std::uint32_t>(settings_.remembered_refs), collect, collect)) {
    error = collect.why;
    return false;
  }
  // Oldest first, so the ledger forgets them in the order it would have.
  for (auto it = collect.newest_first.rbegin(); it != collect.newest_first.rend(); ++it) {
    refs_.remember(it->sender, it->ref, it->room, it->id, it->ts_ms);
  }
  runtime::log().info("remembering the refs of {} stored messages", collect.newest_first.size());
  return true;
}

void SendPipeline::replace_chains(PolicyChains chains) {
  chains_ = std::move(chains);
  ++chain_generation_;
  broker_metrics_.set_chains(chains_.limiter_names, chains_.filter_names);
}

void SendPipeline::send(Session& session, OwnedCommand command) {
  if (!session.joined(command.room)) {
    outbox_.send_error(session, command.ref, natter::ErrorCode::not_member,
                       command.room.empty() ? std::string("missing room")
                                            : "join room '" + command.room + "' before sending to it");
    return;
  }
  if (!command.ref.empty()) {
    if (RefLedger::Entry* seen = refs_.find(session.user, command.ref)) {
      if (seen->in_flight == 0) {
        duplicates_.add(1);
        auto ack = EventBuffer::make(natter::EventKind::ack);
        ack->set_ref(command.ref).set_room(seen->room);
        ack->set_message({seen->id, seen->ts_ms, seen->room, session.user, {}});
        outbox_.send(session, ack);
        return;
      }
      // acknowledge() and fail() clear in_flight before a send leaves
      // pending_; only an allocation failure between begin() and emplace()
      // leaves a record naming no send, and then this is a fresh attempt.
      if (auto first = pending_.find(seen->in_flight); first != pending_.end()) {
        duplicates_.add(1);
        first->second->waiting_sessions.push_back(session.id());
        return;
      }
      refs_.forget(session.user, command.ref);
    }
  }
  std::optional<TraceId> trace;
  if (!command.traceparent.empty() && !(trace = trace_of_traceparent(command.traceparent))) {
    outbox_.send_error(session, command.ref, natter::ErrorCode::bad_request, std::string(kTraceparentForm));
    return;
  }
  received_.add(1);
  auto owned = std::make_unique<PendingSend>();
  PendingSend& p = *owned;
  p.pipeline = this;
  p.loop = &loop_;
  p.key = next_send_++;
  if (!command.ref.empty()) refs_.begin(session.user, command.ref, command.room, p.key);
  p.session_id = session.id();
  p.user = session.user;
  p.remote_address = session.remote_address();
  p.ref = std::move(command.ref);
  p.message.room = std::move(command.room);
  p.message.sender = session.user;
  p.message.body = std::move(command.body);
  p.message.attachments = std::move(command.attachments);
  p.trace = trace ? *trace : targets_.bus.new_trace();
  p.chain_generation = chain_generation_;
  pending_.emplace(p.key, std::move(owned));
  admit_next(p);
}

void SendPipeline::admit_next(PendingSend& p) {
  if (p.chain_generation != chain_generation_) {
    // A reload replaced the chain meanwhile: the new limits apply, from the start.
    p.chain_generation = chain_generation_;
    p.next_limiter = 0;
  }
  if (p.next_limiter == chains_.limiters.size()) {
    if (p.next_limiter > 0) {
      if (Session* session = sessions_.find(p.session_id)) session->refusals_in_a_row = 0;
    }
    filter_and_store(p);
    return;
  }
  const natter::AdmitRequest request{p.user, p.message.room, p.remote_address, 1, natter::LimitedAction::send,
                                     p.session_id};
  p.admit_asked = std::chrono::steady_clock::now();
  chains_.limiters[p.next_limiter++]->admit(request, p);
}

void SendPipeline::observe_admit(PendingSend& p) {
  if (p.chain_generation != chain_generation_) return;  // timed a replaced limiter
  broker_metrics_.admit[p.next_limiter - 1]->observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - p.admit_asked).count());
}

void SendPipeline::admitted(PendingSend& p) {
  observe_admit(p);
  admit_next(p);
}

void SendPipeline::refused(PendingSend& p, std::uint32_t retry_after_ms) {
  observe_admit(p);
  const std::uint64_t session_id = p.session_id;
  fail(p, natter::ErrorCode::rate_limited,
       "sending too fast; retry in " + std::to_string(retry_after_ms) + " ms", retry_after_ms);
  if (Session* session = sessions_.find(session_id)) count_refusal(*session, settings_.rate_limited_close_after);
}

std::string SendPipeline::inspect(std::string_view room, std::string_view sender, std::string& body) {
  for (std::size_t i = 0; i < chains_.filters.size(); ++i) {
    Verdict verdict;
    const auto began = std::chrono::steady_clock::now();
    chains_.filters[i]->inspect({room, sender, body}, verdict);
    broker_metrics_.inspect[i]->observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count());
    if (verdict.rejected) return verdict.reason.empty() ? "rejected by a filter" : verdict.reason;
    if (verdict.has_rewrite) body = std::move(verdict.rewritten);
  }
  return {};
}

void SendPipeline::filter_and_store(PendingSend& p) {
  if (std::string rejection = inspect(p.message.room, p.message.sender, p.message.body); !rejection.empty()) {
    fail(p, natter::ErrorCode::rejected, rejection);
    return;
  }
  if (const std::string_view refusal = targets_.offline.refusal_for(p.message); !refusal.empty()) {
    fail(p, natter::ErrorCode::unavailable, std::string(refusal));
    return;
  }

  const Snowflake id = ids_.next();
  p.message.id = id.id;
  p.message.ts_ms = id.unix_ms;
  p.appended_at = std::chrono::steady_clock::now();
  if (targets_.extras && !p.message.attachments.empty()) {
    targets_.extras->append_with_extras(p.message.view(), targets_.refs ? p.ref : std::string(),
                                        encode_attachments(p.message.attachments), p);
  } else if (targets_.refs && !p.ref.empty()) {
    targets_.refs->append_with_ref(p.message.view(), p.ref, p);
  } else {
    targets_.storage.append(p.message.view(), p);
  }
  // A plugin that cannot take the message says so before append() returns;
  // then nothing was delivered and the sender hears `unavailable` from
  // appended(). A commit this quick is a success like any other.
  if (p.append_settled.load(std::memory_order_acquire) && p.append_code != natter::ErrorCode::none) {
    return;
  }
  if (runtime::log().should_log(spdlog::level::debug)) {
    runtime::log().debug("message {} in '{}' from {} accepted, trace {}", p.message.id, p.message.room,
                         p.message.sender, trace_text(p.trace));
  }
  targets_.bus.message(p.message, p.trace);
  targets_.rooms.deliver(p.message);
  targets_.offline.accepted(p.message);
  p.delivered = true;
  if (settings_.ack_after == config::AckAfter::accepted) acknowledge(p);
}

void SendPipeline::appended(PendingSend& p) {
  if (p.append_code == natter::ErrorCode::none) {
    stored_.add(1);
    broker_metrics_.append.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - p.appended_at).count());
    if (runtime::log().should_log(spdlog::level::debug)) {
      runtime::log().debug("message {} stored, trace {}", p.message.id, trace_text(p.trace));
    }
    if (!p.acked) acknowledge(p);
    finish(p);
    return;
  }
  store_failures_.add(1);
  if (p.acked) {
    // Only possible with ack_after = "accepted": the documented risk.
    runtime::log().error("message {} in room '{}' was acked but could not be stored: {} (trace {})",
                         p.message.id, p.message.room, p.append_detail, trace_text(p.trace));
    finish(p);
    return;
  }
  fail(p, natter::ErrorCode::unavailable, "message not stored: " + p.append_detail);
}

void SendPipeline::acknowledge(PendingSend& p) {
  p.acked = true;
  auto ack = EventBuffer::make(natter::EventKind::ack);
  ack->set_ref(p.ref).set_room(p.message.room);
  ack->set_message({p.message.id, p.message.ts_ms, p.message.room, p.message.sender, {}});
  ack->set_trace_id(trace_text(p.trace));
  reply(p.session_id, ack);
  for (std::uint64_t waiting : std::exchange(p.waiting_sessions, {})) reply(waiting, ack);
  if (RefLedger::Entry* entry = own_ref(p)) {
    entry->in_flight = 0;
    entry->id = p.message.id;
    entry->ts_ms = p.message.ts_ms;
  }
}

void SendPipeline::fail(PendingSend& p, natter::ErrorCode code, std::string_view message,
                        std::uint32_t retry_after_ms) {
  broker_metrics_.error(code);
  auto error = EventBuffer::make(natter::EventKind::error);
  error->set_ref(p.ref).set_error(code, message, retry_after_ms);
  reply(p.session_id, error);
  for (std::uint64_t waiting : p.waiting_sessions) reply(waiting, error);
  if (own_ref(p)) refs_.forget(p.user, p.ref);
  finish(p);
}

RefLedger::Entry* SendPipeline::own_ref(const PendingSend& p) {
  if (p.ref.empty()) return nullptr;
  RefLedger::Entry* entry = refs_.find(p.user, p.ref);
  return entry && entry->in_flight == p.key ? entry : nullptr;
}

void SendPipeline::finish(PendingSend& p) { pending_.erase(p.key); }

void SendPipeline::reply(std::uint64_t session_id, const EventRef& event) {
  if (Session* session = sessions_.find(session_id)) outbox_.send(*session, event);
}

}  // namespace natter::chat
