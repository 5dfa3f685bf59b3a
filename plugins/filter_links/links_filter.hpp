#pragma once
// filter_links: links in messages, by the domain they lead to (deny
// listed domains, or allow only listed ones; a rule covers the domain and
// everything below it), and messages matching any of an operator's regular
// expressions, on RE2 (linear time, so no pattern can be made to
// backtrack for ever). A refused link either refuses the message
// (`rejected`, naming the domain) or is cut out of it. Immutable after
// construction: inspect() runs on any broker thread, any number at once.

#include <memory>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "link_finder.hpp"

namespace re2 {
class RE2;
}

namespace natter::links {

class LinksFilter final : public natter::Filter {
 public:
  LinksFilter(natter::Host& host, const natter::PluginConfig& config);
  ~LinksFilter();

  bool start(natter::Diagnostic& error) noexcept override;
  void inspect(const natter::MessageDraft& draft, natter::FilterVerdict& verdict) noexcept override;
  void stop() noexcept override {}

  static std::span<const natter::ConfigKey> keys();

 private:
  // Why a link to `host` may not be sent, or "" if it may.
  std::string refusal(const std::string& host) const;

  natter::Host& host_;
  LinkFinder finder_;
  std::vector<std::string> deny_, allow_;
  std::vector<std::unique_ptr<re2::RE2>> patterns_;
  bool remove_ = false;  // cut refused links out instead of refusing the message
  natter::Counter& refused_;
  natter::Counter& removed_;
};

}  // namespace natter::links
