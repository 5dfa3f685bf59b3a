#include "chat/ref_ledger.hpp"

#include <deque>
#include <random>
#include <string>

#include <gtest/gtest.h>

namespace natter::chat {

TEST(RefLedger, RefsAreRememberedPerUser) {
  RefLedger refs(10);
  refs.begin("ann", "c1", "lobby", 1);
  EXPECT_NE(refs.find("ann", "c1"), nullptr);
  EXPECT_EQ(refs.find("bob", "c1"), nullptr);
}

TEST(RefLedger, AForgottenRefIsAFreshAttempt) {
  RefLedger refs(10);
  refs.begin("ann", "c1", "lobby", 1);
  refs.forget("ann", "c1");
  EXPECT_EQ(refs.find("ann", "c1"), nullptr);
}

TEST(RefLedger, TheOldestRefsGoFirstWhenFull) {
  RefLedger refs(2);
  refs.begin("ann", "1", "r", 1);
  refs.begin("ann", "2", "r", 1);
  refs.begin("ann", "3", "r", 1);
  EXPECT_EQ(refs.find("ann", "1"), nullptr);
  EXPECT_NE(refs.find("ann", "2"), nullptr);
  EXPECT_NE(refs.find("ann", "3"), nullptr);
}

TEST(RefLedger, UserAndRefCannotBeConfusedByConcatenation) {
  RefLedger refs(10);
  refs.begin("an", "nc1", "r", 1);
  EXPECT_EQ(refs.find("ann", "c1"), nullptr);
}

TEST(RefLedger, ARingOfManyTimesItsCapacityKeepsExactlyTheNewest) {
  // Eviction, growth of the index and probing past removed slots, with
  // forgotten refs mixed in.
  constexpr int kCapacity = 1000, kRefs = 10 * kCapacity;
  RefLedger refs(kCapacity);
  for (int i = 0; i < kRefs; ++i) {
    const std::string ref = "m" + std::to_string(i);
    ASSERT_EQ(refs.find("ann", ref), nullptr) << ref;
    refs.begin("ann", ref, "lobby", 1).id = static_cast<std::uint64_t>(i);
    if (i % 7 == 0) refs.forget("ann", ref);
  }
  for (int i = 0; i < kRefs; ++i) {
    const std::string ref = "m" + std::to_string(i);
    RefLedger::Entry* entry = refs.find("ann", ref);
    const bool kept = i >= kRefs - kCapacity && i % 7 != 0;
    ASSERT_EQ(entry != nullptr, kept) << ref;
    if (kept) {
      EXPECT_EQ(entry->id, static_cast<std::uint64_t>(i));
    }
  }
}

TEST(RefLedger, AReusedRecordStartsClean) {
  RefLedger refs(1);
  RefLedger::Entry& first = refs.begin("ann", "1", "lobby", 7);
  first.in_flight = 0;
  first.id = 42;
  RefLedger::Entry& second = refs.begin("bob", "2", "hall", 8);
  EXPECT_EQ(refs.find("ann", "1"), nullptr);
  EXPECT_EQ(second.in_flight, 8u);
  EXPECT_EQ(second.id, 0u);
  EXPECT_EQ(second.room, "hall");
}

TEST(RefLedger, AgreesWithASimpleModelUnderRandomTraffic) {
  // The model: the last `capacity` refs begun, in order, each live until
  // forgotten. Few users and refs, so hashes collide in the index often.
  constexpr std::size_t kCapacity = 64;
  RefLedger refs(kCapacity);
  struct Begun {
    std::string user, ref;
    bool live;
  };
  std::deque<Begun> model;
  auto modelled = [&](const std::string& user, const std::string& ref) -> Begun* {
    for (auto& b : model) {
      if (b.live && b.user == user && b.ref == ref) return &b;
    }
    return nullptr;
  };
  std::mt19937 random(42);
  for (int step = 0; step < 200000; ++step) {
    const std::string user = "u" + std::to_string(random() % 5);
    const std::string ref = "r" + std::to_string(random() % 100);
    const bool known = refs.find(user, ref) != nullptr;
    ASSERT_EQ(known, modelled(user, ref) != nullptr) << "step " << step << " " << user << "/" << ref;
    if (!known) {
      refs.begin(user, ref, "room", 1);
      model.push_back({user, ref, true});
      if (model.size() > kCapacity) model.pop_front();
    } else if (random() % 3 == 0) {
      refs.forget(user, ref);
      modelled(user, ref)->live = false;
    }
  }
}

}  // namespace natter::chat
