#include "chat/offline_notices.hpp"

#include <gtest/gtest.h>

namespace natter::chat {

using Names = std::vector<std::string>;

TEST(MentionedUsers, NamesAfterAnAtUpToSpaceOrPunctuation) {
  EXPECT_EQ(mentioned_users("@ann, look at this @bob!"), (Names{"ann", "bob"}));
  EXPECT_EQ(mentioned_users("(@cy) and \"@dee\"."), (Names{"cy", "dee"}));
  EXPECT_EQ(mentioned_users("@ann @ann @ann"), Names{"ann"});
  EXPECT_EQ(mentioned_users("@jürgen-2_x: hi"), Names{"jürgen-2_x"});
}

TEST(MentionedUsers, AddressesAndLoneAtsNameNobody) {
  EXPECT_EQ(mentioned_users("mail ann@example.com"), Names{});
  EXPECT_EQ(mentioned_users("@ @. @"), Names{});
  EXPECT_EQ(mentioned_users(""), Names{});
}

TEST(MentionedUsers, AMessageNamesAtMostThirtyTwo) {
  std::string body;
  for (int i = 0; i < 40; ++i) body += "@u" + std::to_string(i) + " ";
  EXPECT_EQ(mentioned_users(body).size(), 32u);
}

}  // namespace natter::chat
