// What counts as a link, and which host it names.
#include "link_finder.hpp"

#include <gtest/gtest.h>

namespace natter::links {
namespace {

std::vector<std::string> hosts(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& link : LinkFinder().find(text)) out.push_back(link.host);
  return out;
}

TEST(LinkFinder, FindsLinksWithAndWithoutScheme) {
  EXPECT_EQ(hosts("a https://Example.COM/x b www.site.test c docs.host.test/path d plain.io"),
            (std::vector<std::string>{"example.com", "www.site.test", "docs.host.test", "plain.io"}));
}

TEST(LinkFinder, BareNamesWithoutACommonTldAreNotLinks) {
  EXPECT_TRUE(hosts("file.txt, v1.2.3, e.g. this, node.js").empty());
}

TEST(LinkFinder, AnEmailAddressIsNotALink) { EXPECT_TRUE(hosts("mail me@example.com now").empty()); }

TEST(LinkFinder, SentencePunctuationStaysOutside) {
  const std::string text = "(see https://example.com/a/b).";
  const auto links = LinkFinder().find(text);
  ASSERT_EQ(links.size(), 1u);
  EXPECT_EQ(text.substr(links[0].begin, links[0].end - links[0].begin), "https://example.com/a/b");
}

TEST(LinkFinder, DomainsCoverWhatIsBelowThem) {
  EXPECT_TRUE(host_within("example.com", "example.com"));
  EXPECT_TRUE(host_within("a.b.example.com", "example.com"));
  EXPECT_FALSE(host_within("badexample.com", "example.com"));
  EXPECT_FALSE(host_within("example.com.evil.test", "example.com"));
}

}  // namespace
}  // namespace natter::links
