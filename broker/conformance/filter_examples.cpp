#include "conformance/filter_examples.hpp"

#include "config/config_error.hpp"
#include "config/toml_document.hpp"

namespace natter::conformance {

std::vector<FilterExample> read_filter_examples(const std::string& path) {
  const toml::value document = config::parse_toml_file(path);
  std::vector<std::string> problems;
  std::vector<FilterExample> examples;
  if (!document.is_table() || !document.contains("example") || !document.at("example").is_array()) {
    throw config::ConfigError({path + ": no [[example]] tables"});
  }
  for (const toml::value& entry : document.at("example").as_array()) {
    const std::string at = config::where(entry);
    if (!entry.is_table() || !entry.contains("body") || !entry.at("body").is_string()) {
      problems.push_back(at + ": an example needs body = \"...\"");
      continue;
    }
    FilterExample example;
    example.body = entry.at("body").as_string();
    const int verdicts = static_cast<int>(entry.contains("rewrite")) + static_cast<int>(entry.contains("reject")) +
                         static_cast<int>(entry.contains("pass"));
    if (verdicts != 1) {
      problems.push_back(at + ": an example says one of rewrite = \"...\", reject = true or pass = true");
      continue;
    }
    if (entry.contains("rewrite")) {
      if (!entry.at("rewrite").is_string()) {
        problems.push_back(at + ": rewrite must be a string");
        continue;
      }
      example.verdict = FilterExample::Verdict::rewrite;
      example.rewritten = entry.at("rewrite").as_string();
    } else if (entry.contains("reject")) {
      example.verdict = FilterExample::Verdict::reject;
    }
    examples.push_back(std::move(example));
  }
  if (!problems.empty()) throw config::ConfigError(problems);
  return examples;
}

}  // namespace natter::conformance
