#include "conformance/auth_examples.hpp"

#include "config/config_error.hpp"
#include "config/toml_document.hpp"

namespace natter::conformance {

std::vector<AuthExample> read_auth_examples(const std::string& path) {
  const toml::value document = config::parse_toml_file(path);
  if (!document.is_table() || !document.contains("example") || !document.at("example").is_array()) {
    throw config::ConfigError({path + ": no [[example]] tables"});
  }
  std::vector<std::string> problems;
  std::vector<AuthExample> examples;
  for (const toml::value& entry : document.at("example").as_array()) {
    const std::string at = config::where(entry);
    auto text = [&](const char* key) -> std::string {
      if (!entry.is_table() || !entry.contains(key)) return {};
      if (!entry.at(key).is_string()) {
        problems.push_back(at + ": " + key + " must be a string");
        return {};
      }
      return entry.at(key).as_string();
    };
    AuthExample example{text("requested_user"), text("token"), false, text("user")};
    const int outcomes = static_cast<int>(entry.contains("user")) + static_cast<int>(entry.contains("refuse")) +
                         static_cast<int>(entry.contains("accept"));
    if (outcomes != 1) {
      problems.push_back(at + ": an example says one of user = \"...\", accept = true or refuse = true");
      continue;
    }
    example.refused = entry.contains("refuse");
    examples.push_back(std::move(example));
  }
  if (!problems.empty()) throw config::ConfigError(problems);
  return examples;
}

}  // namespace natter::conformance
