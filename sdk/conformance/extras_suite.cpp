// Extras kept with messages (natter::MessageExtras, ABI 1.11): what a
// message's attachments are read back from in history.
#include <condition_variable>
#include <map>
#include <mutex>

#include "storage_fixture.hpp"

namespace natter::conformance {

namespace {

using namespace std::chrono_literals;

// Waits for one completion of any of the kinds these cases make.
class Waiter final : public natter::ExtrasFound, public natter::RevisionDone, public natter::StateWritten {
 public:
  void found(natter::Status status, std::span<const std::uint64_t> ids,
             std::span<const std::string_view> extras) noexcept override {
    std::lock_guard lock(mutex_);
    for (std::size_t i = 0; i < ids.size() && i < extras.size(); ++i) found_[ids[i]] = std::string(extras[i]);
    finish(status);
  }
  void revised(natter::Status status) noexcept override {
    std::lock_guard lock(mutex_);
    finish(status);
  }
  void written(natter::Status status) noexcept override {
    std::lock_guard lock(mutex_);
    finish(status);
  }
  // What completed: none, or the code; internal on timeout.
  natter::ErrorCode wait() {
    std::unique_lock lock(mutex_);
    if (!cv_.wait_for(lock, 60s, [this] { return done_; })) return natter::ErrorCode::internal;
    return code_;
  }
  std::map<std::uint64_t, std::string> extras() {
    std::lock_guard lock(mutex_);
    return found_;
  }

 private:
  void finish(natter::Status status) {
    code_ = status.code;
    done_ = true;
    cv_.notify_all();
  }
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  natter::ErrorCode code_ = natter::ErrorCode::none;
  std::map<std::uint64_t, std::string> found_;
};

// Counts the loaded refs of one room.
class RefVisitorCount final : public natter::RefVisitor, public natter::Diagnostic {
 public:
  explicit RefVisitorCount(std::string room) : room_(std::move(room)) {}
  void stored(const natter::StoredRef& r) noexcept override { refs += r.room == room_; }
  void report(std::string_view message) noexcept override { why = message; }
  int refs = 0;
  std::string why;

 private:
  std::string room_;
};

class ExtrasConformance : public StorageConformance {
 protected:
  natter::MessageExtras* open_extras() {
    storage_ = &store_->open();
    return store_->message_extras();
  }

  void append_with_extras(natter::MessageExtras& x, const Stored& m, std::string_view ref, std::string_view extras) {
    Completions done;
    x.append_with_extras({m.id, m.ts_ms, m.room, m.sender, m.body}, ref, extras, done.next());
    ASSERT_TRUE(done.wait()) << "append never completed";
    ASSERT_EQ(done.failures(), 0) << done.last_error();
  }

  std::map<std::uint64_t, std::string> extras_of(natter::MessageExtras& x, const std::string& r,
                                                 std::vector<std::uint64_t> asked) {
    Waiter w;
    x.extras_of(r, asked, w);
    EXPECT_EQ(w.wait(), natter::ErrorCode::none) << "extras_of failed or never completed";
    return w.extras();
  }

  natter::Storage* storage_ = nullptr;
};

#define NATTER_NEEDS_EXTRAS(x) \
  if (!(x)) GTEST_SKIP() << "the plugin keeps no extras (no natter::MessageExtras)"

// JSON as the broker writes it, with bytes a careless store would mangle.
constexpr std::string_view kExtras =
    R"([{"key":"natter/ab/cd/caf\u00e9 \"1\".png","name":"café \"1\".png","type":"image/png","size":48213}])";

TEST_F(ExtrasConformance, ExtrasComeBackByIdAfterARestartOnlyForMessagesThatHaveThem) {
  auto* x = open_extras();
  NATTER_NEEDS_EXTRAS(x);
  const std::string r = room("extras"), other = room("extras-other");
  const Stored with = message(r, "look"), plain = message(r, "words only"), elsewhere = message(other, "x");
  append_with_extras(*x, with, "c1", kExtras);
  append_all(*storage_, {plain});
  append_with_extras(*x, elsewhere, "", kExtras);
  store_->close();
  x = open_extras();
  EXPECT_EQ(extras_of(*x, r, {with.id, plain.id, elsewhere.id, new_id()}),
            (std::map<std::uint64_t, std::string>{{with.id, std::string(kExtras)}}))
      << "only the room's messages that have extras, byte for byte";
  EXPECT_EQ(page(*storage_, r, 0, 0, 10), (std::vector<Stored>{with, plain})) << "the messages are stored as ever";
  if (auto* refs = store_->sent_refs()) {
    RefVisitorCount count(r);
    ASSERT_TRUE(refs->load_refs(100000, count, count)) << count.why;
    EXPECT_EQ(count.refs, 1) << "append_with_extras keeps the ref too";
  }
}

TEST_F(ExtrasConformance, ADeletionForgetsTheExtras) {
  auto* x = open_extras();
  NATTER_NEEDS_EXTRAS(x);
  auto* revisions = store_->revisions();
  if (!revisions) GTEST_SKIP() << "the plugin keeps no edits";
  const std::string r = room("extras-deleted");
  const Stored edited = message(r, "typo"), deleted = message(r, "oops");
  append_with_extras(*x, edited, "", kExtras);
  append_with_extras(*x, deleted, "", kExtras);
  Waiter edit, removal;
  revisions->revise({r, edited.id, "tester", "fixed", {new_id(), 1795000000001, false}}, edit);
  revisions->revise({r, deleted.id, "tester", "", {new_id(), 1795000000002, true}}, removal);
  ASSERT_EQ(edit.wait(), natter::ErrorCode::none);
  ASSERT_EQ(removal.wait(), natter::ErrorCode::none);
  EXPECT_EQ(extras_of(*x, r, {edited.id, deleted.id}),
            (std::map<std::uint64_t, std::string>{{edited.id, std::string(kExtras)}}))
      << "an edit keeps the files, a deletion takes them";
}

TEST_F(ExtrasConformance, ErasingTheRoomForgetsTheExtras) {
  auto* x = open_extras();
  NATTER_NEEDS_EXTRAS(x);
  auto* state = store_->room_state();
  if (!state) GTEST_SKIP() << "the plugin keeps no room state";
  const std::string r = room("extras-erased");
  const Stored m = message(r, "gone with the room");
  append_with_extras(*x, m, "", kExtras);
  Waiter erased;
  const natter::StateChange change{natter::StateOp::erase_room, r, {}, {}};
  state->write(std::span(&change, 1), erased);
  ASSERT_EQ(erased.wait(), natter::ErrorCode::none);
  EXPECT_TRUE(extras_of(*x, r, {m.id}).empty());
}

}  // namespace

}  // namespace natter::conformance
