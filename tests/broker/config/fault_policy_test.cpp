// The [<section>.faults] table: defaults by kind, every key checked, and
// the combinations that mean nothing refused with a line that says why.

#include "config/fault_policy.hpp"

#include <gtest/gtest.h>

namespace natter::config {
namespace {

using natter::PluginKind;

toml::value parse(const std::string& text) {
  std::istringstream in(text);
  return toml::parse(in, "natter.toml");
}

FaultPolicy read(const std::string& text, PluginKind kind, std::vector<std::string>& problems) {
  static toml::value root;  // outlives the call, like natter.toml's document
  root = parse(text);
  return read_fault_policy(&root.as_table().at("p"), kind, "p", problems);
}

TEST(FaultPolicy, DefaultsFailOpenOnlyForLimitersAndHooks) {
  std::vector<std::string> problems;
  EXPECT_FALSE(read("[p]\nplugin = \"x\"\n", PluginKind::storage, problems).fail_open);
  EXPECT_FALSE(read("[p]\nplugin = \"x\"\n", PluginKind::auth, problems).fail_open);
  EXPECT_TRUE(read("[p]\nplugin = \"x\"\n", PluginKind::ratelimit, problems).fail_open);
  EXPECT_TRUE(read("[p]\nplugin = \"x\"\n", PluginKind::hook, problems).fail_open);
  const FaultPolicy policy = read("[p]\nplugin = \"x\"\n[p.faults]\non_failure = \"fail_open\"\ndeadline_ms = 250\n",
                                  PluginKind::auth, problems);
  EXPECT_TRUE(policy.fail_open);
  EXPECT_EQ(policy.deadline_ms, 250u);
  EXPECT_EQ(policy.trip_after, 5u);
  EXPECT_TRUE(problems.empty()) << problems.front();
}

TEST(FaultPolicy, MeaninglessTablesAreRefusedWithTheirLine) {
  std::vector<std::string> problems;
  read("[p]\nplugin = \"x\"\n[p.faults]\non_failure = \"sometimes\"\n", PluginKind::storage, problems);
  read("[p]\nplugin = \"x\"\n[p.faults]\non_failure = \"fail_open\"\n", PluginKind::attachments, problems);
  read("[p]\nplugin = \"x\"\n[p.faults]\ndeadline_ms = 0\n", PluginKind::storage, problems);
  read("[p]\nplugin = \"x\"\n[p.faults]\ndeadline = 10\n", PluginKind::storage, problems);
  read("[p]\nplugin = \"x\"\n[p.faults]\ndeadline_ms = 100\n", PluginKind::transport, problems);
  ASSERT_EQ(problems.size(), 5u);
  EXPECT_EQ(problems[0], "natter.toml:4: [p.faults] key 'on_failure': must be \"fail_open\" or \"fail_closed\" (got \"sometimes\")");
  EXPECT_NE(problems[1].find("attachments cannot fail open"), std::string::npos) << problems[1];
  EXPECT_NE(problems[2].find("key 'deadline_ms': must be between 10 and 600000 (got 0)"), std::string::npos)
      << problems[2];
  EXPECT_NE(problems[3].find("unknown key 'deadline'"), std::string::npos) << problems[3];
  EXPECT_NE(problems[4].find("transport plugins have no fault policy"), std::string::npos) << problems[4];
}

}  // namespace
}  // namespace natter::config
