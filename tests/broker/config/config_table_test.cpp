#include "config/config_table.hpp"

#include <gtest/gtest.h>

namespace natter::config {

namespace {

constexpr natter::ConfigKey kKeys[] = {
    {"port", KeyType::integer, "8080", "port"},
    {"name", KeyType::string, nullptr, "required name"},
    {"ratio", KeyType::floating, "0.5", "ratio"},
    {"tags", KeyType::string_list, "a,b", "tags"},
    {"on", KeyType::boolean, "false", "switch"},
};

toml::value parse(const std::string& text) {
  std::istringstream in(text);
  return toml::parse(in, "t.toml");
}

}  // namespace

TEST(ConfigTable, DefaultsFillWhatTheFileLeavesOut) {
  auto doc = parse("[s]\nname = \"x\"\n");
  std::vector<std::string> problems;
  auto t = ConfigTable::validate(&doc.at("s"), "s", "plugin 'p'", kKeys, {}, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_EQ(t.get_int("port"), 8080);
  EXPECT_EQ(t.get_string("name"), "x");
  EXPECT_DOUBLE_EQ(t.get_double("ratio"), 0.5);
  ASSERT_EQ(t.list_size("tags"), 2u);
  EXPECT_EQ(t.list_item("tags", 1), "b");
  EXPECT_FALSE(t.get_bool("on"));
}

TEST(ConfigTable, AnIntegerIsAcceptedWhereANumberIsAsked) {
  auto doc = parse("[s]\nname = \"x\"\nratio = 2\n");
  std::vector<std::string> problems;
  auto t = ConfigTable::validate(&doc.at("s"), "s", "p", kKeys, {}, problems);
  EXPECT_TRUE(problems.empty());
  EXPECT_DOUBLE_EQ(t.get_double("ratio"), 2.0);
}

TEST(ConfigTable, TheWrongGetterReadsZeroRatherThanGarbage) {
  auto doc = parse("[s]\nname = \"x\"\n");
  std::vector<std::string> problems;
  auto t = ConfigTable::validate(&doc.at("s"), "s", "p", kKeys, {}, problems);
  EXPECT_EQ(t.get_int("name"), 0);
  EXPECT_EQ(t.get_string("undeclared"), "");
}

TEST(ConfigTable, ReservedKeysAreLeftToTheBroker) {
  auto doc = parse("[s]\nplugin = \"p\"\nname = \"x\"\n");
  std::vector<std::string> problems;
  constexpr std::string_view reserved[] = {"plugin"};
  ConfigTable::validate(&doc.at("s"), "s", "p", kKeys, reserved, problems);
  EXPECT_TRUE(problems.empty());
}

TEST(ConfigTable, ABadDeclaredDefaultIsBlamedOnThePlugin) {
  constexpr natter::ConfigKey bad[] = {{"n", KeyType::integer, "many", "n"}};
  std::vector<std::string> problems;
  ConfigTable::validate(nullptr, "s", "plugin 'p'", bad, {}, problems);
  ASSERT_EQ(problems.size(), 1u);
  EXPECT_EQ(problems[0], "plugin 'p' declares key 'n' with default 'many', which is not an integer");
}

TEST(ConfigTable, LocateNamesFileLineSectionAndKey) {
  auto doc = parse("[s]\n\nname = \"x\"\n");
  std::vector<std::string> problems;
  auto t = ConfigTable::validate(&doc.at("s"), "s", "p", kKeys, {}, problems);
  EXPECT_EQ(t.location_of("name"), "t.toml:3: [s] key 'name': ");
  EXPECT_EQ(t.location_of("port"), "t.toml:1: [s] key 'port': ");
}

TEST(ClosestKey, SuggestsOnlyLikelyTypos) {
  EXPECT_EQ(closest_key("prot", kKeys), "port");
  EXPECT_EQ(closest_key("completely_else", kKeys), "");
}

}  // namespace natter::config
