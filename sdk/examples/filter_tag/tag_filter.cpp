// An example filter: puts a tag in front of every message, and refuses
// messages containing a configured word. One class, one macro.

#include <string>

#include <natter/plugin.hpp>

namespace {

class TagFilter final : public natter::Filter {
 public:
  TagFilter(natter::Host& host, const natter::PluginConfig& config)
      : host_(host), tag_(config.get_string("tag")), banned_(config.get_string("reject_word")) {
    if (tag_.empty()) throw natter::ConfigError(config, "tag", "must not be empty");
  }

  bool start(natter::Diagnostic&) noexcept override {
    host_.log(natter::LogLevel::info, "tagging messages with " + tag_);
    return true;
  }

  // Runs on a broker thread for every message, before it gets an id.
  void inspect(const natter::MessageDraft& draft, natter::FilterVerdict& verdict) noexcept override {
    if (!banned_.empty() && draft.body.find(banned_) != std::string_view::npos) {
      verdict.reject("the word '" + banned_ + "' is not allowed here");
      return;
    }
    verdict.rewrite(tag_ + " " + std::string(draft.body));
  }

  void stop() noexcept override {}

 private:
  natter::Host& host_;
  std::string tag_;
  std::string banned_;
};

constexpr natter::ConfigKey kKeys[] = {
    {"tag", natter::KeyType::string, "[tagged]", "Text put in front of every message"},
    {"reject_word", natter::KeyType::string, "", "Messages containing this are refused (empty: none)"},
};

}  // namespace

NATTER_PLUGIN(filter, TagFilter, "tag", "1.0.0", "Example: tags messages, refuses one word", kKeys)
