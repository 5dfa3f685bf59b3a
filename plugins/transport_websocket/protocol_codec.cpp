#include "protocol_codec.hpp"

#include <charconv>

#include <boost/json.hpp>

#include "ws_frames.hpp"

namespace natter::ws {

namespace json = boost::json;

namespace {

constexpr std::size_t kMaxRefBytes = 128;

struct Field {
  std::string_view name;
  bool required;
};

// Reads optional or required fields, remembering the first problem.
class FieldReader {
 public:
  FieldReader(const json::object& object, std::string& error) : object_(object), error_(error) {}

  std::string_view text(std::string_view name, bool required) {
    const json::value* v = object_.if_contains(name);
    if (!v) {
      if (required) fail("missing field '" + std::string(name) + "'");
      return {};
    }
    if (!v->is_string()) {
      fail("field '" + std::string(name) + "' must be a string");
      return {};
    }
    return v->get_string();
  }

  // A message id: a string of decimal digits.
  std::uint64_t id(std::string_view name, bool& present) {
    const json::value* v = object_.if_contains(name);
    present = v != nullptr;
    if (!v) return 0;
    std::uint64_t id = 0;
    if (v->is_string()) {
      std::string_view s = v->get_string();
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
      if (!s.empty() && ec == std::errc() && end == s.data() + s.size()) return id;
    }
    fail("field '" + std::string(name) + "' must be a message id as a string of digits, like \"123\"");
    return 0;
  }

  std::uint32_t positive(std::string_view name) {
    const json::value* v = object_.if_contains(name);
    if (!v) return 0;
    if (v->is_int64() && v->get_int64() > 0 && v->get_int64() <= 1'000'000) {
      return static_cast<std::uint32_t>(v->get_int64());
    }
    if (v->is_uint64() && v->get_uint64() > 0 && v->get_uint64() <= 1'000'000) {
      return static_cast<std::uint32_t>(v->get_uint64());
    }
    fail("field '" + std::string(name) + "' must be a positive integer");
    return 0;
  }

  void fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
  }

 private:
  const json::object& object_;
  std::string& error_;
};

bool op_from(std::string_view name, natter::Op& op) {
  if (name == "join") op = natter::Op::join;
  else if (name == "leave") op = natter::Op::leave;
  else if (name == "send") op = natter::Op::send;
  else if (name == "history") op = natter::Op::history;
  else if (name == "ping") op = natter::Op::ping;
  else return false;
  return true;
}

std::string_view event_type(natter::EventKind kind) {
  switch (kind) {
    case natter::EventKind::welcome: return "welcome";
    case natter::EventKind::joined: return "joined";
    case natter::EventKind::left: return "left";
    case natter::EventKind::message: return "message";
    case natter::EventKind::ack: return "ack";
    case natter::EventKind::history: return "history";
    case natter::EventKind::error: return "error";
    case natter::EventKind::pong: return "pong";
  }
  return "unknown";
}

json::object message_object(const natter::MessageView& m, bool with_room) {
  json::object o;
  if (with_room) o["room"] = m.room;
  o["id"] = std::to_string(m.id);
  o["ts"] = m.ts_ms;
  o["from"] = m.sender;
  o["body"] = m.body;
  return o;
}

}  // namespace

void decode_command(std::string_view text, DecodedCommand& out) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  std::error_code ec;
  out.document = json::parse(text, ec, json::storage_ptr(), options);
  if (ec) {
    out.error = ec == json::error::too_deep
                    ? "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels"
                    : "malformed JSON: " + ec.message();
    return;
  }
  if (!out.document.is_object()) {
    out.error = "a command must be a JSON object";
    return;
  }
  const json::object& object = out.document.get_object();
  FieldReader read(object, out.error);
  natter::Command& c = out.command;
  c.ref = read.text("ref", false);
  if (c.ref.size() > kMaxRefBytes) {
    read.fail("field 'ref' is longer than " + std::to_string(kMaxRefBytes) + " bytes");
    c.ref = {};
  }
  out.ref = std::string(c.ref);
  std::string_view op = read.text("op", true);
  if (!out.error.empty()) return;
  if (!op_from(op, c.op)) {
    out.error = "unknown op '" + std::string(op) + "' (known: join, leave, send, history, ping)";
    return;
  }
  switch (c.op) {
    case natter::Op::join:
      c.room = read.text("room", true);
      c.password = read.text("password", false);
      c.since = read.id("since", c.has_since);
      break;
    case natter::Op::leave:
      c.room = read.text("room", true);
      break;
    case natter::Op::send:
      c.room = read.text("room", true);
      c.body = read.text("body", true);
      if (out.error.empty() && c.body.empty()) read.fail("field 'body' must not be empty");
      break;
    case natter::Op::history: {
      c.room = read.text("room", true);
      bool present = false;
      c.before = read.id("before", present);
      c.limit = read.positive("limit");
      break;
    }
    case natter::Op::ping:
      break;
  }
}

void JsonEncoder::encode(const natter::Event& e, natter::ByteSink& out) const noexcept {
  try {
    json::object o;
    o["type"] = event_type(e.kind);
    if (!e.ref.empty()) o["ref"] = e.ref;
    switch (e.kind) {
      case natter::EventKind::welcome:
        o["user"] = e.user;
        o["node"] = e.node_id;
        o["protocol"] = kSubprotocol;
        break;
      case natter::EventKind::joined:
      case natter::EventKind::left:
        o["room"] = e.room;
        o["user"] = e.user;
        if (!e.members.empty()) {
          json::array members;
          for (auto m : e.members) members.emplace_back(m);
          o["members"] = std::move(members);
        }
        break;
      case natter::EventKind::message:
        for (auto& [k, v] : message_object(e.message, true)) o[k] = v;
        break;
      case natter::EventKind::ack:
        o["room"] = e.room;
        o["id"] = std::to_string(e.message.id);
        o["ts"] = e.message.ts_ms;
        break;
      case natter::EventKind::history: {
        o["room"] = e.room;
        json::array messages;
        for (const auto& m : e.messages) messages.emplace_back(message_object(m, false));
        o["messages"] = std::move(messages);
        break;
      }
      case natter::EventKind::error:
        o["code"] = natter::to_string(e.error);
        o["message"] = e.error_message;
        if (e.retry_after_ms) o["retry_after_ms"] = e.retry_after_ms;
        break;
      case natter::EventKind::pong:
        break;
    }
    std::string text = json::serialize(o);
    out.append(std::as_bytes(std::span(text.data(), text.size())));
  } catch (...) {
    // Out of memory: the recipient gets an empty frame's worth of nothing.
  }
}

const JsonEncoder& JsonEncoder::instance() {
  static const JsonEncoder encoder;
  return encoder;
}

void FrameEncoder::encode(const natter::Event& event, natter::ByteSink& out) const noexcept {
  struct Collect final : natter::ByteSink {
    std::string json;
    void append(std::span<const std::byte> bytes) noexcept override {
      json.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    }
  } collected;
  JsonEncoder::instance().encode(event, collected);
  try {
    std::string header;
    append_server_header(header, Opcode::text, collected.json.size());
    out.append(std::as_bytes(std::span(header.data(), header.size())));
    out.append(std::as_bytes(std::span(collected.json.data(), collected.json.size())));
  } catch (...) {
  }
}

const FrameEncoder& FrameEncoder::instance() {
  static const FrameEncoder encoder;
  return encoder;
}

std::string encode_error(std::string_view ref, natter::ErrorCode code, std::string_view message) {
  json::object o;
  o["type"] = "error";
  if (!ref.empty()) o["ref"] = ref;
  o["code"] = natter::to_string(code);
  o["message"] = message;
  return json::serialize(o);
}

}  // namespace natter::ws
