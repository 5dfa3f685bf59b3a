#pragma once
// A Diagnostic that keeps the last reason a plugin reported, for the
// broker's own error messages. Single-threaded use (create/start calls).

#include <string>

#include <natter/host.hpp>

namespace natter::plugins {

class CapturedText final : public natter::Diagnostic {
 public:
  void report(std::string_view message) noexcept override {
    try {
      text.assign(message);
    } catch (...) {
      text.clear();
    }
  }
  std::string text;
};

}  // namespace natter::plugins
