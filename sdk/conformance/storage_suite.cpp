#include "storage_fixture.hpp"

namespace natter::conformance {

std::function<std::unique_ptr<StorageUnderTest>()>& storage_factory() {
  static std::function<std::unique_ptr<StorageUnderTest>()> f;
  return f;
}

namespace {

TEST_F(StorageConformance, WhatIsAppendedIsReadBackExactly) {
  auto& s = store_->open();
  const std::string r = room("readback");
  std::vector<Stored> sent;
  for (int i = 0; i < 10; ++i) sent.push_back(message(r, "message " + std::to_string(i)));
  append_all(s, sent);
  EXPECT_EQ(page(s, r, 0, 0, 100), sent);
}

TEST_F(StorageConformance, PagesAreOrderedByIdNotByArrival) {
  auto& s = store_->open();
  const std::string r = room("order");
  std::vector<Stored> sent;
  for (int i = 0; i < 6; ++i) sent.push_back(message(r, std::to_string(i)));
  std::vector<Stored> shuffled = {sent[4], sent[1], sent[5], sent[0], sent[3], sent[2]};
  append_all(s, shuffled);
  EXPECT_EQ(ids(page(s, r, 0, 0, 100)), ids(sent));
}

TEST_F(StorageConformance, PagingBoundsAreExclusiveAndLimitsExact) {
  auto& s = store_->open();
  const std::string r = room("paging");
  std::vector<Stored> sent;
  for (int i = 0; i < 10; ++i) sent.push_back(message(r, std::to_string(i)));
  append_all(s, sent);
  auto id = [&](int i) { return sent[static_cast<std::size_t>(i)].id; };
  auto slice = [&](int from, int to) {
    std::vector<std::uint64_t> out;
    for (int i = from; i < to; ++i) out.push_back(id(i));
    return out;
  };
  EXPECT_EQ(ids(page(s, r, 0, 0, 3)), slice(7, 10)) << "newest page";
  EXPECT_EQ(ids(page(s, r, id(7), 0, 3)), slice(4, 7)) << "before is exclusive";
  EXPECT_EQ(ids(page(s, r, 0, id(2), 3)), slice(3, 6)) << "after is exclusive, oldest first";
  EXPECT_EQ(ids(page(s, r, id(6), id(2), 10)), slice(3, 6)) << "both bounds";
  EXPECT_EQ(ids(page(s, r, 0, 0, 10)), slice(0, 10)) << "limit equal to the count";
  EXPECT_EQ(ids(page(s, r, 0, 0, 500)), slice(0, 10)) << "limit above the count";
  EXPECT_TRUE(page(s, r, id(0), 0, 10).empty()) << "before the first";
  EXPECT_TRUE(page(s, r, 0, id(9), 10).empty()) << "after the last";
  EXPECT_TRUE(page(s, room("never-used"), 0, 0, 10).empty()) << "unknown room";
}

TEST_F(StorageConformance, ReappendingTheSameMessageStoresItOnce) {
  auto& s = store_->open();
  const std::string r = room("replay");
  Stored m = message(r, "once");
  append_all(s, {m});
  append_all(s, {m, m});
  EXPECT_EQ(page(s, r, 0, 0, 10), std::vector<Stored>{m});
}

TEST_F(StorageConformance, RoomsAreKeptApart) {
  auto& s = store_->open();
  const std::string a = room("a"), b = room("b");
  Stored in_a = message(a, "for a"), in_b = message(b, "for b");
  append_all(s, {in_a, in_b});
  EXPECT_EQ(page(s, a, 0, 0, 10), std::vector<Stored>{in_a});
  EXPECT_EQ(page(s, b, 0, 0, 10), std::vector<Stored>{in_b});
}

TEST_F(StorageConformance, ConcurrentWritersLoseNothing) {
  auto& s = store_->open();
  const std::string r = room("concurrent");
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::vector<Stored>> batches(kThreads);
  for (auto& batch : batches) {
    for (int i = 0; i < kEach; ++i) batch.push_back(message(r, "w" + std::to_string(i)));
  }
  Completions done;
  std::vector<natter::AppendDone*> slots;
  for (int i = 0; i < kThreads * kEach; ++i) slots.push_back(&done.next());
  std::vector<std::thread> writers;
  for (int t = 0; t < kThreads; ++t) {
    writers.emplace_back([&, t] {
      for (int i = 0; i < kEach; ++i) {
        const Stored& m = batches[t][i];
        s.append({m.id, m.ts_ms, m.room, m.sender, m.body}, *slots[t * kEach + i]);
      }
    });
  }
  for (auto& w : writers) w.join();
  ASSERT_TRUE(done.wait());
  ASSERT_EQ(done.failures(), 0) << done.last_error();
  std::set<std::uint64_t> expected;
  for (const auto& batch : batches) {
    for (const auto& m : batch) expected.insert(m.id);
  }
  auto stored = ids(page(s, r, 0, 0, kThreads * kEach + 10));
  EXPECT_EQ(std::set<std::uint64_t>(stored.begin(), stored.end()), expected);
  EXPECT_EQ(stored.size(), expected.size());
}

TEST_F(StorageConformance, LargeMessagesRoundTrip) {
  auto& s = store_->open();
  const std::string r = room("large");
  std::string body(1 << 20, 'x');
  for (std::size_t i = 0; i < body.size(); i += 4096) body[i] = static_cast<char>('a' + (i / 4096) % 26);
  Stored m = message(r, body);
  append_all(s, {m});
  EXPECT_EQ(page(s, r, 0, 0, 1), std::vector<Stored>{m});
}

TEST_F(StorageConformance, UnicodeIsStoredByteForByte) {
  auto& s = store_->open();
  const std::string r = room("ünïcødé-房间-🚀");
  std::vector<Stored> sent = {
      message(r, "emoji 👋🏽 and flags 🇳🇱"), message(r, "漢字かなカナ 한국어"),
      message(r, "עברית والعربية"), message(r, "e\xCC\x81 combining, \xE2\x80\x8B zero width"),
      message(r, "quotes ' \" ` \\ and ; DROP TABLE messages; --")};
  sent[1].sender = "ÿser-名前";
  append_all(s, sent);
  EXPECT_EQ(page(s, r, 0, 0, 10), sent);
}

TEST_F(StorageConformance, EveryCompletedAppendIsVisibleToTheNextRead) {
  auto& s = store_->open();
  const std::string r = room("read-your-writes");
  for (int i = 0; i < 20; ++i) {
    Stored m = message(r, std::to_string(i));
    append_all(s, {m});
    auto newest = page(s, r, 0, 0, 1);
    ASSERT_EQ(ids(newest), std::vector<std::uint64_t>{m.id}) << "append " << i;
  }
}

TEST_F(StorageConformance, StopCommitsEverythingQueuedAndARestartSeesIt) {
  const std::string r = room("restart");
  std::vector<Stored> sent;
  for (int i = 0; i < 2000; ++i) sent.push_back(message(r, std::to_string(i)));
  Completions done;
  {
    auto& s = store_->open();
    for (const auto& m : sent) s.append({m.id, m.ts_ms, m.room, m.sender, m.body}, done.next());
    store_->close();  // no waiting: stop() itself must finish the queue
  }
  ASSERT_TRUE(done.wait(0s)) << "stop() returned before completing every append";
  ASSERT_EQ(done.failures(), 0) << done.last_error();
  auto& again = store_->open();
  EXPECT_EQ(page(again, r, 0, 0, 5000), sent);
}

TEST_F(StorageConformance, AfterStopAppendsAreRefusedAtOnce) {
  auto& s = store_->open();
  s.stop();
  Completions done;
  s.append({new_id(), 1, room("late"), "u", "late"}, done.next());
  EXPECT_TRUE(done.wait(0s)) << "append after stop() must complete before returning";
  EXPECT_EQ(done.failures(), 1);
}

// A crash: a child process appends and reports each acked id through a
// pipe; it is killed with SIGKILL mid-stream. Every id it reported as
// acked must be there when the store is opened again.
TEST_F(StorageConformance, AckedAppendsSurviveAProcessCrash) {
  const std::string r = room("crash");
  std::vector<Stored> sent;
  for (int i = 0; i < 20000; ++i) sent.push_back(message(r, "crash " + std::to_string(i)));
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    struct Report final : natter::AppendDone {
      int fd;
      std::uint64_t id;
      void appended(natter::Status status) noexcept override {
        if (status.ok()) (void)!write(fd, &id, sizeof id);
      }
    };
    std::vector<Report> reports(sent.size());
    auto& s = store_->open();
    for (std::size_t i = 0; i < sent.size(); ++i) {
      reports[i].fd = fds[1];
      reports[i].id = sent[i].id;
      const Stored& m = sent[i];
      s.append({m.id, m.ts_ms, m.room, m.sender, m.body}, reports[i]);
    }
    pause();  // killed from outside
    _exit(0);
  }
  close(fds[1]);
  std::vector<std::uint64_t> acked;
  std::uint64_t id;
  while (acked.size() < 300 && read(fds[0], &id, sizeof id) == sizeof id) acked.push_back(id);
  kill(child, SIGKILL);
  while (read(fds[0], &id, sizeof id) == sizeof id) acked.push_back(id);  // acked before death
  close(fds[0]);
  waitpid(child, nullptr, 0);
  ASSERT_GE(acked.size(), 300u) << "the child acked too little before being killed";

  auto& s = store_->open();
  auto stored = ids(page(s, r, 0, 0, 25000));
  std::set<std::uint64_t> present(stored.begin(), stored.end());
  for (std::uint64_t a : acked) ASSERT_TRUE(present.count(a)) << "acked id " << a << " was lost";
  EXPECT_EQ(present.size(), stored.size()) << "an id was stored twice";
}

}  // namespace

void set_storage_under_test(std::function<std::unique_ptr<StorageUnderTest>()> f) { storage_factory() = std::move(f); }

}  // namespace natter::conformance
