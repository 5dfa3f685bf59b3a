#include "chat/trace_context.hpp"

#include <gtest/gtest.h>

namespace natter::chat {
namespace {

constexpr std::string_view kExample = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

TEST(TraceContext, TheSpecificationsExampleGivesItsTraceId) {
  const auto trace = trace_of_traceparent(kExample);
  ASSERT_TRUE(trace);
  EXPECT_EQ(trace_text(*trace), "4bf92f3577b34da6a3ce929d0e0e4736");
}

TEST(TraceContext, ALaterVersionMayAddFieldsAfterTheFlags) {
  EXPECT_TRUE(trace_of_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-what-comes"));
  EXPECT_TRUE(trace_of_traceparent("cc-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"));
}

TEST(TraceContext, WhatIsNotATraceparentIsRefused) {
  for (std::string_view bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // upper case
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // no trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // no parent id
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // the invalid version
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // 00 has nothing after the flags
           "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01x",   // later fields start with '-'
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",    // separators
           "00-4bf92f3577b34da6a3ce929d0e0e473g-00f067aa0ba902b7-01",    // not hex
       }) {
    EXPECT_FALSE(trace_of_traceparent(bad)) << bad;
  }
}

}  // namespace
}  // namespace natter::chat
