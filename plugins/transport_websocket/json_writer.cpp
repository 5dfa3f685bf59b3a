#include "json_writer.hpp"

#include <charconv>

namespace natter::ws {

JsonWriter& JsonWriter::open(char bracket) {
  before_value();
  out_ += bracket;
  after_value_ = false;
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  out_ += bracket;
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::key(std::string_view name) {
  before_value();
  escaped(name);
  out_ += ':';
  after_value_ = false;  // the member's value follows without a comma
  return *this;
}

JsonWriter& JsonWriter::string(std::string_view text) {
  before_value();
  escaped(text);
  after_value_ = true;
  return *this;
}

JsonWriter& JsonWriter::boolean(bool value) {
  before_value();
  out_ += value ? "true" : "false";
  after_value_ = true;
  return *this;
}

template <class Integer>
JsonWriter& JsonWriter::digits(Integer value) {
  before_value();
  char text[24];
  const auto end = std::to_chars(text, text + sizeof text, value).ptr;
  out_.append(text, end);
  after_value_ = true;
  return *this;
}

template JsonWriter& JsonWriter::digits(std::int64_t);
template JsonWriter& JsonWriter::digits(std::uint64_t);

void JsonWriter::before_value() {
  if (after_value_) out_ += ',';
}

void JsonWriter::escaped(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out_ += '"';
  std::size_t plain = 0;  // start of the run of bytes that need no escape
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out_.append(text.data() + plain, i - plain);
    plain = i + 1;
    switch (c) {
      case '"': out_ += "\\\""; break;
      case '\\': out_ += "\\\\"; break;
      case '\b': out_ += "\\b"; break;
      case '\f': out_ += "\\f"; break;
      case '\n': out_ += "\\n"; break;
      case '\r': out_ += "\\r"; break;
      case '\t': out_ += "\\t"; break;
      default:
        out_ += "\\u00";
        out_ += kHex[c >> 4];
        out_ += kHex[c & 0xF];
    }
  }
  out_.append(text.data() + plain, text.size() - plain);
  out_ += '"';
}

}  // namespace natter::ws
