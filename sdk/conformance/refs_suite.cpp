// Refs kept with messages (natter::SentRefs, ABI 1.6): what a retry after
// a restart is answered from.
#include "storage_fixture.hpp"

namespace natter::conformance {

namespace {

struct LoadedRef {
  std::string sender, ref, room;
  std::uint64_t id;
  std::int64_t ts_ms;
  bool operator==(const LoadedRef&) const = default;
};

class RefCollector final : public natter::RefVisitor, public natter::Diagnostic {
 public:
  explicit RefCollector(std::string prefix) : prefix_(std::move(prefix)) {}
  void stored(const natter::StoredRef& r) noexcept override {
    ++seen;
    if (!r.room.starts_with(prefix_)) return;  // another run's, or natterd's
    refs.push_back({std::string(r.sender), std::string(r.ref), std::string(r.room), r.id, r.ts_ms});
  }
  void report(std::string_view message) noexcept override { why = message; }
  std::vector<LoadedRef> refs;
  std::size_t seen = 0;
  std::string why;

 private:
  std::string prefix_;
};

class RefConformance : public StorageConformance {
 protected:
  // The open store's SentRefs; null if it has none.
  natter::SentRefs* open_refs() {
    storage_ = &store_->open();
    return store_->sent_refs();
  }

  void append_with_refs(natter::SentRefs& refs, const std::vector<std::pair<Stored, std::string>>& messages) {
    Completions done;
    for (const auto& [m, ref] : messages) refs.append_with_ref({m.id, m.ts_ms, m.room, m.sender, m.body}, ref, done.next());
    ASSERT_TRUE(done.wait()) << "appends never completed";
    ASSERT_EQ(done.failures(), 0) << done.last_error();
  }

  std::vector<LoadedRef> load(natter::SentRefs& refs, std::uint32_t limit, std::size_t* seen = nullptr) {
    RefCollector each(room(""));
    EXPECT_TRUE(refs.load_refs(limit, each, each)) << each.why;
    if (seen) *seen = each.seen;
    return each.refs;
  }

  natter::Storage* storage_ = nullptr;  // the instance open_refs() opened
};

#define NATTER_NEEDS_REFS(r) \
  if (!(r)) GTEST_SKIP() << "the plugin keeps no refs (no natter::SentRefs)"

TEST_F(RefConformance, RefsComeBackNewestFirstAfterARestartWithTheirMessages) {
  auto* refs = open_refs();
  NATTER_NEEDS_REFS(refs);
  const std::string a = room("refs-a"), b = room("refs-b");
  const Stored first = message(a, "one"), plain = message(a, "no ref"), second = message(b, "two");
  append_with_refs(*refs, {{first, "c1"}, {second, "c2 ü"}});
  append_all(*storage_, {plain});
  store_->close();
  refs = open_refs();
  const std::vector<LoadedRef> expected = {{"tester", "c2 ü", b, second.id, second.ts_ms},
                                           {"tester", "c1", a, first.id, first.ts_ms}};
  EXPECT_EQ(load(*refs, 100000), expected) << "a message appended without a ref has none";
  EXPECT_EQ(page(*storage_, a, 0, 0, 10), (std::vector<Stored>{first, plain})) << "the messages are stored as ever";
}

TEST_F(RefConformance, TheLimitKeepsTheNewest) {
  auto* refs = open_refs();
  NATTER_NEEDS_REFS(refs);
  const std::string r = room("refs-limit");
  std::vector<std::pair<Stored, std::string>> sent;
  for (int i = 0; i < 5; ++i) sent.push_back({message(r, "m"), "ref" + std::to_string(i)});
  append_with_refs(*refs, sent);
  // This run's are the newest ids in the store: the newest 2 of all are ours.
  std::size_t seen = 0;
  const auto loaded = load(*refs, 2, &seen);
  EXPECT_LE(seen, 2u);
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].ref, "ref4");
  EXPECT_EQ(loaded[1].ref, "ref3");
}

TEST_F(RefConformance, ReappendingWithARefStoresItOnce) {
  auto* refs = open_refs();
  NATTER_NEEDS_REFS(refs);
  const std::string r = room("refs-again");
  const Stored m = message(r, "once");
  append_with_refs(*refs, {{m, "c1"}});
  append_with_refs(*refs, {{m, "c1"}});
  EXPECT_EQ(page(*storage_, r, 0, 0, 10), std::vector<Stored>{m});
  EXPECT_EQ(load(*refs, 100000).size(), 1u);
}

}  // namespace

}  // namespace natter::conformance
