// The tag filter's own test: natter's filter conformance kit, run on the
// filter inside this process, with no natterd and no .so; the kind of test
// a plugin's CI runs on every change.

#include <memory>
#include <optional>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <natter/conformance/filter_suite.hpp>
#include <natter/conformance/plugin_harness.hpp>

// The descriptor NATTER_PLUGIN defines in tag_filter.cpp, compiled in here.
extern "C" const natter_plugin_descriptor natter_plugin;

namespace {

using natter::conformance::FilterExample;

class TagFilterUnderTest final : public natter::conformance::FilterUnderTest {
 public:
  natter::Filter& open() override {
    close();
    instance_.emplace(natter_plugin, host_, config_);
    struct StartFailure final : natter::Diagnostic {
      void report(std::string_view message) noexcept override { ADD_FAILURE() << "start failed: " << message; }
    } failure;
    (*instance_)->start(failure);
    return **instance_;
  }

  void close() override { instance_.reset(); }

  std::vector<FilterExample> examples() override {
    return {{"hello", FilterExample::Verdict::rewrite, "[ex] hello"},
            {"buy spam now", FilterExample::Verdict::reject, ""}};
  }

 private:
  natter::conformance::TestHost host_;
  natter::conformance::TestConfig config_{{natter_plugin.keys, natter_plugin.key_count},
                                          {{"tag", "[ex]"}, {"reject_word", "spam"}}};
  std::optional<natter::conformance::PluginInstance<natter::Filter>> instance_;
};

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  natter::conformance::set_filter_under_test([] { return std::make_unique<TagFilterUnderTest>(); });
  return RUN_ALL_TESTS();
}
