#pragma once
// Errors found in the operator's config, each already formatted as
// "file:line: [section] ..." so it can be printed as is.

#include <stdexcept>
#include <string>
#include <vector>

namespace natter::config {

class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<std::string> problems);
  const std::vector<std::string>& problems() const noexcept { return problems_; }

 private:
  std::vector<std::string> problems_;
};

}  // namespace natter::config
