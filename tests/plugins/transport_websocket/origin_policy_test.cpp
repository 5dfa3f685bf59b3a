#include "origin_policy.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace natter::ws {

TEST(OriginPolicy, ByDefaultOnlyPagesOfTheHostConnectedToPass) {
  const OriginPolicy same_host;
  EXPECT_TRUE(same_host.allows("http://127.0.0.1:8080", "127.0.0.1:8080"));
  EXPECT_TRUE(same_host.allows("https://Chat.Example.org", "chat.example.org"));  // behind a proxy on 443
  EXPECT_FALSE(same_host.allows("https://evil.example", "chat.example.org"));
  EXPECT_FALSE(same_host.allows("http://127.0.0.1:9999", "127.0.0.1:8080"));
  EXPECT_FALSE(same_host.allows("null", "127.0.0.1:8080"));  // a sandboxed or file: page
}

TEST(OriginPolicy, ClientsThatSendNoOriginAreNotBrowsersAndPass) {
  EXPECT_TRUE(OriginPolicy().allows("", "chat.example.org"));
}

TEST(OriginPolicy, ListedOriginsAndTheStarLetOthersIn) {
  const OriginPolicy listed({"https://chat.example.org"});
  EXPECT_TRUE(listed.allows("https://chat.example.org", "natter.internal:8080"));
  EXPECT_FALSE(listed.allows("http://chat.example.org", "natter.internal:8080"));
  EXPECT_TRUE(OriginPolicy({"*"}).allows("https://anywhere.example", "natter.internal:8080"));
}

TEST(OriginPolicy, AnEntryThatIsNotAnOriginIsRefused) {
  EXPECT_THROW(OriginPolicy({"chat.example.org"}), std::invalid_argument);
  EXPECT_THROW(OriginPolicy({"https://chat.example.org/path"}), std::invalid_argument);
}

}  // namespace natter::ws
