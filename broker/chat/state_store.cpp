#include "chat/state_store.hpp"

#include "plugins/captured_text.hpp"
#include "runtime/logging.hpp"

namespace natter::chat {

namespace {

class Collect final : public natter::StateVisitor {
 public:
  explicit Collect(RoomCatalog& catalog) : catalog_(catalog) {}
  void entry(const natter::StateEntry& entry) noexcept override {
    try {
      catalog_.load(entry);
    } catch (...) {
      failed = true;
    }
  }
  bool failed = false;

 private:
  RoomCatalog& catalog_;
};


// Copies the status, hops to the loop, frees itself.
class Written final : public natter::StateWritten {
 public:
  Written(runtime::Executor& loop, runtime::CounterMetric& failures, StateStore::Continuation next)
      : loop_(loop), failures_(failures), next_(std::move(next)) {}

  void written(natter::Status status) noexcept override {
    if (!status.ok()) failures_.add(1);
    try {
      if (next_) {
        loop_.post([next = std::move(next_), code = status.code, detail = std::string(status.detail)]() mutable {
          next(code, std::move(detail));
        });
      } else if (!status.ok()) {
        runtime::log().error("room state not stored: {}", status.detail);
      }
    } catch (...) {
    }
    delete this;
  }

 private:
  runtime::Executor& loop_;
  runtime::CounterMetric& failures_;
  StateStore::Continuation next_;
};

}  // namespace

StateStore::StateStore(const config::BrokerSettings& settings, natter::RoomState* state, ClusterBus& cluster,
                       runtime::Executor& loop, runtime::MetricsRegistry& metrics)
    : settings_(settings),
      state_(state),
      cluster_(cluster),
      loop_(loop),
      failures_(metrics.counter("natter_room_state_write_errors_total", "Room state changes storage failed to keep")) {}

bool StateStore::load(RoomCatalog& catalog, std::string& error) {
  if (!state_) return true;
  Collect collect(catalog);
  plugins::CapturedText reason;
  if (!state_->load(collect, reason)) {
    error = reason.text.empty() ? "the storage plugin could not load room state" : reason.text;
    return false;
  }
  if (collect.failed) {
    error = "out of memory loading room state";
    return false;
  }
  if (std::size_t dropped = catalog.drop_incomplete()) {
    runtime::log().warn("ignored room state of {} rooms that have no room record", dropped);
  }
  return true;
}

void StateStore::write(const StateChanges& changes, Continuation done) {
  cluster_.state(changes);
  if (changes.empty() || !state_) {
    if (done) done(natter::ErrorCode::none, {});
    return;
  }
  const auto views = changes.views();
  if (settings_.ack_after == config::AckAfter::accepted) {
    state_->write(views, *new Written(loop_, failures_, {}));
    if (done) done(natter::ErrorCode::none, {});
    return;
  }
  state_->write(views, *new Written(loop_, failures_, std::move(done)));
}

}  // namespace natter::chat
