#pragma once
// Writes JSON straight into a string, for the events the transport sends:
// no document is built, so encoding an event allocates nothing beyond the
// output. Strings are escaped as RFC 8259 requires (quote, backslash and
// control characters) and otherwise passed through, so callers hand in
// valid UTF-8. The output is byte for byte what Boost.JSON's serializer
// writes for the same object. One writer per output; not thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

namespace natter::ws {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  JsonWriter& begin_object() { return open('{'); }
  JsonWriter& end_object() { return close('}'); }
  JsonWriter& begin_array() { return open('['); }
  JsonWriter& end_array() { return close(']'); }
  // The name of the next member of the current object.
  JsonWriter& key(std::string_view name);
  JsonWriter& string(std::string_view text);
  JsonWriter& number(std::int64_t value) { return digits(value); }
  JsonWriter& number(std::uint64_t value) { return digits(value); }
  // Not a member() overload: a string literal would convert to bool first.
  JsonWriter& boolean(bool value);

  // key(name) followed by the value.
  JsonWriter& member(std::string_view name, std::string_view text) { return key(name).string(text); }
  JsonWriter& member(std::string_view name, std::int64_t value) { return key(name).number(value); }
  JsonWriter& member(std::string_view name, std::uint64_t value) { return key(name).number(value); }

 private:
  JsonWriter& open(char bracket);
  JsonWriter& close(char bracket);
  template <class Integer>
  JsonWriter& digits(Integer value);
  void before_value();
  void escaped(std::string_view text);

  std::string& out_;
  bool after_value_ = false;  // the next value or key needs a comma first
};

}  // namespace natter::ws
