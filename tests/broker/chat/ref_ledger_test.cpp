#include "chat/ref_ledger.hpp"

#include <gtest/gtest.h>

namespace natter::chat {

TEST(RefLedger, RefsAreRememberedPerUser) {
  RefLedger refs(10);
  refs.begin("ann", "c1", "lobby");
  EXPECT_NE(refs.find("ann", "c1"), nullptr);
  EXPECT_EQ(refs.find("bob", "c1"), nullptr);
}

TEST(RefLedger, AForgottenRefIsAFreshAttempt) {
  RefLedger refs(10);
  refs.begin("ann", "c1", "lobby");
  refs.forget("ann", "c1");
  EXPECT_EQ(refs.find("ann", "c1"), nullptr);
}

TEST(RefLedger, TheOldestRefsGoFirstWhenFull) {
  RefLedger refs(2);
  refs.begin("ann", "1", "r");
  refs.begin("ann", "2", "r");
  refs.begin("ann", "3", "r");
  EXPECT_EQ(refs.find("ann", "1"), nullptr);
  EXPECT_NE(refs.find("ann", "2"), nullptr);
  EXPECT_NE(refs.find("ann", "3"), nullptr);
}

TEST(RefLedger, UserAndRefCannotBeConfusedByConcatenation) {
  RefLedger refs(10);
  refs.begin("an", "nc1", "r");
  EXPECT_EQ(refs.find("ann", "c1"), nullptr);
}

}  // namespace natter::chat
