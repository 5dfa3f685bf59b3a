// Edits, deletions and unread counts (natter::MessageRevisions and
// natter::UnreadCounts, ABI 1.6).
#include "storage_fixture.hpp"

namespace natter::conformance {

namespace {

struct Marked {
  Stored message;
  natter::MessageMark mark;
};

class RevisionWaiter final : public natter::RevisionDone {
 public:
  void revised(natter::Status status) noexcept override {
    std::lock_guard lock(mutex_);
    code_ = status.code;
    detail_ = status.detail;
    done_ = true;
    cv_.notify_all();
  }
  // The outcome, once revised() was called; fails the test on timeout.
  natter::ErrorCode wait() {
    std::unique_lock lock(mutex_);
    EXPECT_TRUE(cv_.wait_for(lock, 60s, [this] { return done_; })) << "revise never completed";
    return code_;
  }
  std::string detail() {
    std::lock_guard lock(mutex_);
    return detail_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  natter::ErrorCode code_ = natter::ErrorCode::internal;
  std::string detail_;
};

class MarkedReader final : public natter::MarkedPageDone {
 public:
  void page(natter::Status status, std::span<const natter::MessageView> page,
            std::span<const natter::MessageMark> marks) noexcept override {
    std::lock_guard lock(mutex_);
    ok_ = status.ok();
    error_ = status.detail;
    marks_match_ = marks.size() == page.size();
    for (std::size_t i = 0; i < page.size() && marks_match_; ++i) {
      const auto& m = page[i];
      rows_.push_back({{m.id, m.ts_ms, std::string(m.room), std::string(m.sender), std::string(m.body)}, marks[i]});
    }
    done_ = true;
    cv_.notify_all();
  }
  std::vector<Marked> wait() {
    std::unique_lock lock(mutex_);
    EXPECT_TRUE(cv_.wait_for(lock, 60s, [this] { return done_; })) << "read never completed";
    EXPECT_TRUE(ok_) << error_;
    EXPECT_TRUE(marks_match_) << "a page must carry one mark per message";
    return rows_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false, ok_ = false, marks_match_ = false;
  std::string error_;
  std::vector<Marked> rows_;
};

class CountReader final : public natter::UnreadCounted {
 public:
  void counted(natter::Status status, std::span<const std::uint32_t> counts) noexcept override {
    std::lock_guard lock(mutex_);
    ok_ = status.ok();
    error_ = status.detail;
    counts_.assign(counts.begin(), counts.end());
    done_ = true;
    cv_.notify_all();
  }
  std::vector<std::uint32_t> wait() {
    std::unique_lock lock(mutex_);
    EXPECT_TRUE(cv_.wait_for(lock, 60s, [this] { return done_; })) << "count never completed";
    EXPECT_TRUE(ok_) << error_;
    return counts_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false, ok_ = false;
  std::string error_;
  std::vector<std::uint32_t> counts_;
};

class RevisionConformance : public StorageConformance {
 protected:
  // The open store's MessageRevisions; null if it has none.
  natter::MessageRevisions* open_revisions() {
    storage_ = &store_->open();
    return store_->revisions();
  }

  natter::ErrorCode revise(natter::MessageRevisions& r, const Stored& m, std::string_view author,
                           std::string_view body, bool deleted) {
    const std::uint64_t revision = new_id();
    RevisionWaiter done;
    r.revise({m.room, m.id, author, body, {revision, 1795000000000 + static_cast<std::int64_t>(revision % 1000), deleted}},
             done);
    return done.wait();
  }

  std::vector<Marked> marked_page(natter::MessageRevisions& r, const std::string& room_name) {
    MarkedReader reader;
    r.marked_history({room_name, 0, 0, 100}, reader);
    return reader.wait();
  }

  std::vector<Marked> revised_since(natter::MessageRevisions& r, const std::string& room_name, std::uint64_t up_to) {
    MarkedReader reader;
    r.revised_since(room_name, up_to, 100, reader);
    return reader.wait();
  }

  natter::Storage* storage_ = nullptr;  // the instance open_revisions() opened
};

#define NATTER_NEEDS_REVISIONS(r) \
  if (!(r)) GTEST_SKIP() << "the plugin keeps no revisions (no natter::MessageRevisions)"

TEST_F(RevisionConformance, AnEditReplacesTheBodyAndMarksTheMessage) {
  auto* r = open_revisions();
  NATTER_NEEDS_REVISIONS(r);
  const std::string room_name = room("edit");
  const Stored m = message(room_name, "first words"), other = message(room_name, "untouched");
  append_all(*storage_, {m, other});
  ASSERT_EQ(revise(*r, m, "tester", "better words", false), natter::ErrorCode::none);
  const auto page = marked_page(*r, room_name);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].message.body, "better words");
  EXPECT_EQ(page[0].message.ts_ms, m.ts_ms) << "an edit keeps the message's time";
  EXPECT_NE(page[0].mark.revision, 0u);
  EXPECT_NE(page[0].mark.revised_ms, 0);
  EXPECT_FALSE(page[0].mark.deleted);
  EXPECT_EQ(page[1].message, other);
  EXPECT_EQ(page[1].mark.revision, 0u);
  // The plain history shows the edit too: the old text is gone.
  EXPECT_EQ(this->page(*storage_, room_name, 0, 0, 10)[0].body, "better words");
}

TEST_F(RevisionConformance, ADeletionLeavesATombstoneAndNoText) {
  auto* r = open_revisions();
  NATTER_NEEDS_REVISIONS(r);
  const std::string room_name = room("delete");
  const Stored m = message(room_name, "regrettable");
  append_all(*storage_, {m});
  ASSERT_EQ(revise(*r, m, "tester", "", true), natter::ErrorCode::none);
  const auto page = marked_page(*r, room_name);
  ASSERT_EQ(page.size(), 1u);
  EXPECT_EQ(page[0].message.id, m.id);
  EXPECT_EQ(page[0].message.sender, "tester");
  EXPECT_EQ(page[0].message.body, "");
  EXPECT_TRUE(page[0].mark.deleted);
  EXPECT_EQ(this->page(*storage_, room_name, 0, 0, 10)[0].body, "");
}

TEST_F(RevisionConformance, OnlyTheAuthorRevisesUnlessNoAuthorIsNamed) {
  auto* r = open_revisions();
  NATTER_NEEDS_REVISIONS(r);
  const std::string room_name = room("author");
  const Stored m = message(room_name, "mine");
  append_all(*storage_, {m});
  EXPECT_EQ(revise(*r, m, "mallory", "hijacked", false), natter::ErrorCode::forbidden);
  EXPECT_EQ(marked_page(*r, room_name)[0].message.body, "mine");
  // A moderator's deletion names no author.
  EXPECT_EQ(revise(*r, m, "", "", true), natter::ErrorCode::none);
  EXPECT_TRUE(marked_page(*r, room_name)[0].mark.deleted);
}

TEST_F(RevisionConformance, AMissingOrDeletedMessageIsNotFound) {
  auto* r = open_revisions();
  NATTER_NEEDS_REVISIONS(r);
  const std::string room_name = room("missing"), elsewhere = room("elsewhere");
  const Stored m = message(room_name, "here");
  append_all(*storage_, {m});
  EXPECT_EQ(revise(*r, message(room_name, "never stored"), "tester", "x", false), natter::ErrorCode::not_found);
  Stored wrong_room = m;
  wrong_room.room = elsewhere;
  EXPECT_EQ(revise(*r, wrong_room, "tester", "x", false), natter::ErrorCode::not_found);
  ASSERT_EQ(revise(*r, m, "tester", "", true), natter::ErrorCode::none);
  EXPECT_EQ(revise(*r, m, "tester", "back from the dead", false), natter::ErrorCode::not_found);
  EXPECT_EQ(revise(*r, m, "tester", "", true), natter::ErrorCode::not_found);
  EXPECT_EQ(marked_page(*r, room_name)[0].message.body, "");
}

TEST_F(RevisionConformance, ARevisionQueuedRightBehindItsAppendApplies) {
  auto* r = open_revisions();
  NATTER_NEEDS_REVISIONS(r);
  const std::string room_name = room("behind");
  const Stored m = message(room_name, "just sent");
  Completions appended;
  RevisionWaiter revised;
  storage_->append({m.id, m.ts_ms, m.room, m.sender, m.body}, appended.next());
  r->revise({m.room, m.id, "tester", "fixed at once", {new_id(), 1, false}}, revised);
  EXPECT_EQ(revised.wait(), natter::ErrorCode::none) << revised.detail();
  ASSERT_TRUE(appended.wait());
  EXPECT_EQ(marked_page(*r, room_name)[0].message.body, "fixed at once");
}

TEST_F(RevisionConformance, RevisedSinceFindsWhatChangedUpToTheMarkInRevisionOrder) {
  auto* r = open_revisions();
  NATTER_NEEDS_REVISIONS(r);
  const std::string room_name = room("since");
  const Stored a = message(room_name, "a"), b = message(room_name, "b"), c = message(room_name, "c");
  append_all(*storage_, {a, b, c});
  ASSERT_EQ(revise(*r, c, "tester", "c2", false), natter::ErrorCode::none);
  ASSERT_EQ(revise(*r, a, "tester", "", true), natter::ErrorCode::none);
  // Seen up to b: a changed (c is newer than the mark, a page shows it).
  auto changed = revised_since(*r, room_name, b.id);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].message.id, a.id);
  EXPECT_TRUE(changed[0].mark.deleted);
  // Seen up to c: both, the older revision first.
  changed = revised_since(*r, room_name, c.id);
  ASSERT_EQ(changed.size(), 2u);
  EXPECT_EQ(changed[0].message.id, c.id);
  EXPECT_EQ(changed[0].message.body, "c2");
  EXPECT_EQ(changed[1].message.id, a.id);
  // Seen up to c's revision: only what was revised after it.
  changed = revised_since(*r, room_name, changed[0].mark.revision);
  ASSERT_EQ(changed.size(), 1u);
  EXPECT_EQ(changed[0].message.id, a.id);
  EXPECT_TRUE(revised_since(*r, room("quiet"), c.id).empty());
}

TEST_F(RevisionConformance, RevisionsSurviveARestart) {
  auto* r = open_revisions();
  NATTER_NEEDS_REVISIONS(r);
  const std::string room_name = room("restart");
  const Stored edited = message(room_name, "old"), deleted = message(room_name, "gone");
  append_all(*storage_, {edited, deleted});
  ASSERT_EQ(revise(*r, edited, "tester", "new", false), natter::ErrorCode::none);
  ASSERT_EQ(revise(*r, deleted, "tester", "", true), natter::ErrorCode::none);
  store_->close();
  r = open_revisions();
  const auto page = marked_page(*r, room_name);
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0].message.body, "new");
  EXPECT_NE(page[0].mark.revision, 0u);
  EXPECT_EQ(page[1].message.body, "");
  EXPECT_TRUE(page[1].mark.deleted);
}

class UnreadConformance : public StorageConformance {};

TEST_F(UnreadConformance, CountsOthersLiveMessagesAfterTheMarkUpToTheCapInQueryOrder) {
  auto& s = store_->open();
  natter::UnreadCounts* counts = store_->unread_counts();
  if (!counts) GTEST_SKIP() << "the plugin counts nothing unread (no natter::UnreadCounts)";
  const std::string busy = room("unread-busy"), quiet = room("unread-quiet");
  std::vector<Stored> sent;
  for (int i = 0; i < 6; ++i) sent.push_back(message(busy, "m" + std::to_string(i)));
  sent[2].sender = "reader";  // the reader's own message never counts
  append_all(s, sent);
  natter::MessageRevisions* revisions = store_->revisions();
  if (revisions) {
    RevisionWaiter done;
    revisions->revise({busy, sent[5].id, "", "", {new_id(), 1, true}}, done);  // a deleted message does not count
    ASSERT_EQ(done.wait(), natter::ErrorCode::none);
  }
  const std::uint32_t all_others = revisions ? 4 : 5;
  CountReader reader;
  const std::vector<natter::UnreadQuery> queries = {
      {busy, 0, "reader", 100},           // no marker: everything by others
      {busy, sent[1].id, "reader", 100},  // read up to m1
      {quiet, 0, "reader", 100},          // an empty room
      {busy, 0, "reader", 2},             // capped
      {busy, sent[5].id, "reader", 100},  // read to the end
  };
  counts->count(queries, reader);
  EXPECT_EQ(reader.wait(), (std::vector<std::uint32_t>{all_others, all_others - 2, 0, 2, 0}));
}

}  // namespace

}  // namespace natter::conformance
