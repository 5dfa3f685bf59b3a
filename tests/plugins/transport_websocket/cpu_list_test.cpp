// The `cpus` key of the WebSocket transport: an operator writes CPUs the
// way taskset -c and systemd do, and a typo is refused with what is wrong.

#include "cpu_list.hpp"

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace natter::ws {
namespace {

std::string refusal(std::string_view text) {
  try {
    parse_cpu_list(text);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

TEST(CpuList, NumbersAndRangesInTheOrderWrittenEachOnce) {
  EXPECT_EQ(parse_cpu_list(""), std::vector<int>{});
  EXPECT_EQ(parse_cpu_list("3"), std::vector<int>{3});
  EXPECT_EQ(parse_cpu_list("2,0"), (std::vector<int>{2, 0}));
  EXPECT_EQ(parse_cpu_list("0-3,8"), (std::vector<int>{0, 1, 2, 3, 8}));
  EXPECT_EQ(parse_cpu_list("1,0-2"), (std::vector<int>{1, 0, 2}));
}

TEST(CpuList, ATypoIsRefusedWithWhatIsWrong) {
  EXPECT_EQ(refusal("x"), "'x' is not a CPU number or a range like 2-3");
  EXPECT_EQ(refusal("1,,2"), "'' is not a CPU number or a range like 2-3");
  EXPECT_EQ(refusal("1 , 2"), "'1 ' is not a CPU number or a range like 2-3");
  EXPECT_EQ(refusal("-1"), "'-1' is not a CPU number or a range like 2-3");
  EXPECT_EQ(refusal("1-"), "'1-' is not a CPU number or a range like 2-3");
  EXPECT_EQ(refusal("3-1"), "'3-1' runs backwards");
  EXPECT_EQ(refusal("1,"), "a trailing comma");
  EXPECT_EQ(refusal("99999"), "CPU 99999 is beyond 1023");
}

}  // namespace
}  // namespace natter::ws
