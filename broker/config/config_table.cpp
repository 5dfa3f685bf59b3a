#include "config/config_table.hpp"

#include <algorithm>
#include <charconv>

#include "config/toml_document.hpp"

namespace natter::config {

namespace {

std::string_view expected_name(natter::KeyType type) {
  switch (type) {
    case natter::KeyType::string: return "a string";
    case natter::KeyType::integer: return "an integer";
    case natter::KeyType::boolean: return "a boolean (true or false)";
    case natter::KeyType::floating: return "a number";
    case natter::KeyType::string_list: return "an array of strings";
  }
  return "?";
}

std::vector<std::string> split_list(std::string_view text) {
  std::vector<std::string> items;
  while (!text.empty()) {
    auto comma = text.find(',');
    items.emplace_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

std::string toml_string(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Fills `entry` from the declared default. A default that does not parse
// is the plugin author's bug, reported like a config problem.
bool parse_default(const natter::ConfigKey& key, ConfigTable::Entry& entry) {
  std::string_view text = key.default_value;
  entry.text = std::string(text);
  switch (key.type) {
    case natter::KeyType::string: return true;
    case natter::KeyType::string_list: entry.list = split_list(text); return true;
    case natter::KeyType::boolean:
      entry.boolean = text == "true";
      return text == "true" || text == "false";
    case natter::KeyType::integer: {
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), entry.integer);
      return ec == std::errc() && end == text.data() + text.size();
    }
    case natter::KeyType::floating: {
      try {
        std::size_t used = 0;
        entry.floating = std::stod(std::string(text), &used);
        return used == text.size();
      } catch (const std::exception&) {
        return false;
      }
    }
  }
  return false;
}

// Fills `entry` from the file; false if the value has the wrong type.
bool parse_value(natter::KeyType type, const toml::value& value, ConfigTable::Entry& entry) {
  switch (type) {
    case natter::KeyType::string:
      if (!value.is_string()) return false;
      entry.text = value.as_string().str;
      return true;
    case natter::KeyType::integer:
      if (!value.is_integer()) return false;
      entry.integer = value.as_integer();
      entry.text = std::to_string(entry.integer);
      return true;
    case natter::KeyType::boolean:
      if (!value.is_boolean()) return false;
      entry.boolean = value.as_boolean();
      entry.text = entry.boolean ? "true" : "false";
      return true;
    case natter::KeyType::floating:
      if (value.is_integer()) {
        entry.floating = static_cast<double>(value.as_integer());
      } else if (value.is_floating()) {
        entry.floating = value.as_floating();
      } else {
        return false;
      }
      entry.text = std::to_string(entry.floating);
      return true;
    case natter::KeyType::string_list:
      if (!value.is_array()) return false;
      for (const auto& item : value.as_array()) {
        if (!item.is_string()) return false;
        entry.list.push_back(item.as_string().str);
      }
      return true;
  }
  return false;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

}  // namespace

std::string closest_key(std::string_view name, std::span<const natter::ConfigKey> keys) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
  for (const auto& key : keys) {
    std::size_t d = edit_distance(name, key.name);
    if (d < best_distance) {
      best_distance = d;
      best = key.name;
    }
  }
  return best;
}

ConfigTable ConfigTable::validate(const toml::value* table, std::string section,
                                  std::string_view owner,
                                  std::span<const natter::ConfigKey> keys,
                                  std::span<const std::string_view> reserved,
                                  std::vector<std::string>& problems) {
  ConfigTable result;
  result.section_ = std::move(section);
  if (table) {
    const auto loc = table->location();
    result.file_ = loc.file_name();
    result.section_line_ = loc.line();
  }
  const std::string prefix =
      (table ? where(*table) + ": " : std::string()) + "[" + result.section_ + "] ";

  for (const auto& key : keys) {
    Entry entry;
    entry.type = key.type;
    const toml::value* value = nullptr;
    if (table && table->contains(key.name)) value = &table->as_table().at(key.name);
    if (value) {
      entry.line = value->location().line();
      entry.file = value->location().file_name();
      if (!parse_value(key.type, *value, entry)) {
        problems.push_back(where(*value) + ": [" + result.section_ + "] key '" + key.name +
                           "' must be " + std::string(expected_name(key.type)) + " (got " +
                           spelled(*value) + ")");
      }
    } else if (!key.default_value) {
      problems.push_back(prefix + "missing required key '" + key.name + "' (" + key.description +
                         ")");
    } else if (!parse_default(key, entry)) {
      problems.push_back(std::string(owner) + " declares key '" + key.name + "' with default '" +
                         key.default_value + "', which is not " +
                         std::string(expected_name(key.type)));
    }
    result.entries_.emplace(key.name, std::move(entry));
  }

  if (!table) return result;
  std::vector<std::pair<std::uint32_t, std::string>> unknown;
  for (const auto& [name, value] : table->as_table()) {
    if (result.entries_.count(name) ||
        std::find(reserved.begin(), reserved.end(), name) != reserved.end()) {
      continue;
    }
    std::string message = where(value) + ": [" + result.section_ + "] unknown key '" + name +
                          "' for " + std::string(owner);
    if (auto guess = closest_key(name, keys); !guess.empty()) {
      message += "; did you mean '" + guess + "'?";
    } else if (keys.empty()) {
      message += ", which takes no keys";
    } else {
      message += " (known keys:";
      for (const auto& key : keys) message += std::string(" ") + key.name;
      message += ")";
    }
    unknown.emplace_back(value.location().line(), std::move(message));
  }
  // toml11 keeps tables unordered; report in file order.
  std::sort(unknown.begin(), unknown.end());
  for (auto& [line, message] : unknown) problems.push_back(std::move(message));
  return result;
}

const ConfigTable::Entry* ConfigTable::find(std::string_view key,
                                            natter::KeyType type) const noexcept {
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.type != type) return nullptr;
  return &it->second;
}

std::string_view ConfigTable::get_string(std::string_view key) const noexcept {
  const Entry* e = find(key, natter::KeyType::string);
  return e ? std::string_view(e->text) : std::string_view();
}

std::int64_t ConfigTable::get_int(std::string_view key) const noexcept {
  const Entry* e = find(key, natter::KeyType::integer);
  return e ? e->integer : 0;
}

bool ConfigTable::get_bool(std::string_view key) const noexcept {
  const Entry* e = find(key, natter::KeyType::boolean);
  return e && e->boolean;
}

double ConfigTable::get_double(std::string_view key) const noexcept {
  const Entry* e = find(key, natter::KeyType::floating);
  return e ? e->floating : 0.0;
}

std::size_t ConfigTable::list_size(std::string_view key) const noexcept {
  const Entry* e = find(key, natter::KeyType::string_list);
  return e ? e->list.size() : 0;
}

std::string_view ConfigTable::list_item(std::string_view key, std::size_t index) const noexcept {
  const Entry* e = find(key, natter::KeyType::string_list);
  return e && index < e->list.size() ? std::string_view(e->list[index]) : std::string_view();
}

std::string ConfigTable::location_of(std::string_view key) const {
  auto it = entries_.find(key);
  const bool set = it != entries_.end() && it->second.line;
  const std::string& file = set ? it->second.file : file_;
  std::string place = file.empty() ? std::string() : file + ":" + std::to_string(set ? it->second.line : section_line_) + ": ";
  return place + "[" + section_ + "] key '" + std::string(key) + "': ";
}

void ConfigTable::locate(std::string_view key, natter::Diagnostic& out) const noexcept {
  try {
    out.report(location_of(key));
  } catch (...) {
    out.report("");
  }
}

std::string default_as_toml(const natter::ConfigKey& key) {
  if (!key.default_value) return "";
  const std::string_view text = key.default_value;
  switch (key.type) {
    case natter::KeyType::string: return toml_string(text);
    case natter::KeyType::string_list: {
      std::string out = "[";
      for (const auto& item : split_list(text)) out += (out.size() > 1 ? ", " : "") + toml_string(item);
      return out + "]";
    }
    default: return std::string(text);
  }
}

}  // namespace natter::config
