#pragma once
// The chat broker: the top of broker/chat. It owns the chat state and the
// services, and dispatches each client command to the service that owns
// its concern; it does no chat work itself. Transports enter through a
// TransportEntry each (open_session), the pub/sub plugin through bus().
// Both hop onto the broker loop, the only thread that touches chat state.
// docs/architecture.md draws the layers.

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "chat/action_limits.hpp"
#include "chat/broker_metrics.hpp"
#include "chat/broker_parts.hpp"
#include "chat/bus_inbox.hpp"
#include "chat/bus_recovery.hpp"
#include "chat/cluster_bus.hpp"
#include "chat/direct_messages.hpp"
#include "chat/attachment_desk.hpp"
#include "chat/history_service.hpp"
#include "chat/offline_notices.hpp"
#include "chat/membership.hpp"
#include "chat/message_edits.hpp"
#include "chat/operator_desk.hpp"
#include "chat/outbox.hpp"
#include "chat/passwords.hpp"
#include "chat/presence.hpp"
#include "chat/read_markers.hpp"
#include "chat/room_admin.hpp"
#include "chat/room_catalog.hpp"
#include "chat/room_delivery.hpp"
#include "chat/room_directory.hpp"
#include "chat/send_pipeline.hpp"
#include "chat/session.hpp"
#include "chat/session_table.hpp"
#include "chat/sign_in.hpp"
#include "chat/snowflake.hpp"
#include "chat/state_store.hpp"
#include "chat/typing.hpp"
#include "chat/unread_counter.hpp"
#include "config/settings.hpp"
#include "runtime/executor.hpp"
#include "runtime/metrics.hpp"
#include "runtime/timers.hpp"

namespace natter::chat {

class Broker final : public CommandSink {
 public:
  // The plugins in `parts`, `loop`, `timers` and `metrics` outlive the
  // broker; `timers` stops before `loop` does.
  Broker(const config::BrokerSettings& settings, BrokerParts parts, runtime::Executor& loop,
         runtime::Timers& timers, runtime::MetricsRegistry& metrics);

  // For TransportEntry, any thread: see SignIn::open.
  natter::SessionPort* open_session(natter::ClientLink& link, const natter::ConnectInfo& info,
                                    TransportTraits transport) noexcept;
  void count_bad_request() noexcept;
  // What the pub/sub plugin is started with; lives as long as the broker.
  natter::BusListener& bus() noexcept { return bus_inbox_; }
  // Main thread, once storage started and before any transport: reads the
  // rooms storage keeps, and the refs of the newest messages. False after
  // putting the reason in `error`.
  bool load_rooms(std::string& error);
  // Main thread, once the pub/sub plugin started: this node joins the
  // others (follows the topics every node follows, starts the heartbeat).
  void join_cluster();

  // Main thread, while transports still run: from now on `send`, `edit`
  // and `delete` answer `unavailable`; then waits until no send is in
  // flight (each got its ack or error, which the transports still deliver)
  // and none was refused for a moment (so the ones clients sent before they
  // heard of it are answered too), or `deadline` passes. Returns how many
  // were still in flight.
  std::size_t drain(std::chrono::milliseconds deadline);
  // Any thread: runs `task` with the operator's desk on the loop and
  // returns what it returned, or nullopt if the loop did not get to it
  // within `timeout` (the task then still runs, and its result is dropped).
  template <class Task>
  auto operate(Task task, std::chrono::milliseconds timeout) -> std::optional<decltype(task(std::declval<OperatorDesk&>()))>;
  // Sends between acceptance and their storage answer; loop thread.
  std::size_t sends_in_flight() const noexcept { return sends_.in_flight(); }

  // Main thread: from the next message on, use these chains (a reload).
  // Returns once the loop uses them; the old plugins may then be stopped.
  void replace_chains(PolicyChains chains);

  // CommandSink: loop thread.
  void handle(Session& session, OwnedCommand command) override;
  void resume(Session& session) override;
  void end_session(Session& session) override;

 private:
  // Dispatches one command of a session that is not held.
  void run(Session& session, OwnedCommand command);
  // run() once the rate limiters admitted what needed admitting.
  void execute(Session& session, OwnedCommand command);
  // Whether the session's credential (Session::grants, set) allows `command`;
  // if not, the client is told and the answer is false.
  bool granted(Session& session, const OwnedCommand& command);
  // Validates the command's room name; false after telling the client.
  bool room_name_ok(Session& session, const OwnedCommand& command);

  // Declared in dependency order: each part borrows only those above it.
  const config::BrokerSettings settings_;
  runtime::Executor& loop_;
  bool draining_ = false;  // loop thread
  std::chrono::steady_clock::time_point last_refused_;  // loop thread: the last send refused while draining
  BrokerMetrics metrics_;
  SessionTable sessions_;
  RoomCatalog catalog_;
  RoomDirectory rooms_;
  ClusterBus cluster_;
  StateStore state_;
  Passwords passwords_;
  Outbox outbox_;
  RoomDelivery room_delivery_;
  HistoryService history_;
  Typing typing_;
  Presence presence_;
  UnreadCounter unread_;
  Membership membership_;
  RoomAdmin room_admin_;
  DirectMessages direct_;
  ReadMarkers read_markers_;
  SnowflakeGenerator ids_;  // message ids and revision ids: one sequence
  ActionLimits limits_;
  AttachmentDesk files_;
  OfflineNotices offline_;
  SendPipeline sends_;
  MessageEdits edits_;
  SignIn sign_in_;
  RemoteEvents remote_;
  BusRecovery recovery_;
  BusInbox bus_inbox_;
  OperatorDesk desk_;
};

template <class Task>
auto Broker::operate(Task task, std::chrono::milliseconds timeout)
    -> std::optional<decltype(task(std::declval<OperatorDesk&>()))> {
  using Result = decltype(task(std::declval<OperatorDesk&>()));
  auto answer = std::make_shared<std::promise<Result>>();
  std::future<Result> ready = answer->get_future();
  loop_.post([this, answer, task = std::move(task)]() mutable { answer->set_value(task(desk_)); });
  if (ready.wait_for(timeout) != std::future_status::ready) return std::nullopt;
  return ready.get();
}

}  // namespace natter::chat
