#include "protocol_codec.hpp"

#include <charconv>

#include <boost/json.hpp>

#include "json_writer.hpp"
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

  // An array of strings, into `out`.
  void texts(std::string_view name, std::vector<std::string_view>& out) {
    const json::value* v = object_.if_contains(name);
    if (!v) return fail("missing field '" + std::string(name) + "'");
    if (v->is_array()) {
      for (const auto& item : v->get_array()) {
        if (!item.is_string()) break;
        out.emplace_back(item.get_string());
      }
      if (out.size() == v->get_array().size()) return;
    }
    fail("field '" + std::string(name) + "' must be an array of strings");
  }

  // A byte count: a non-negative integer.
  std::uint64_t size(std::string_view name, bool required) {
    const json::value* v = object_.if_contains(name);
    if (!v) {
      if (required) fail("missing field '" + std::string(name) + "'");
      return 0;
    }
    if (v->is_uint64()) return v->get_uint64();
    if (v->is_int64() && v->get_int64() >= 0) return static_cast<std::uint64_t>(v->get_int64());
    fail("field '" + std::string(name) + "' must be a size in bytes, a non-negative integer");
    return 0;
  }

  // An array of attachment objects ({"key", "name", "type", "size"}), into `out`.
  void attachments(std::string_view name, std::vector<natter::Attachment>& out) {
    const json::value* v = object_.if_contains(name);
    if (!v) return;
    if (!v->is_array()) return fail("field '" + std::string(name) + "' must be an array of attachments");
    for (const auto& item : v->get_array()) {
      if (!item.is_object()) return fail("each attachment must be an object with key, name, type and size");
      FieldReader read(item.get_object(), error_);
      natter::Attachment a;
      a.key = read.text("key", true);
      a.name = read.text("name", true);
      a.type = read.text("type", true);
      a.size = read.size("size", true);
      if (!error_.empty()) {
        error_ = "in '" + std::string(name) + "': " + error_;
        return;
      }
      out.push_back(a);
    }
  }

  bool boolean(std::string_view name, bool absent) {
    const json::value* v = object_.if_contains(name);
    if (!v) return absent;
    if (v->is_bool()) return v->get_bool();
    fail("field '" + std::string(name) + "' must be true or false");
    return absent;
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
  else if (name == "typing") op = natter::Op::typing;
  else if (name == "create_room") op = natter::Op::create_room;
  else if (name == "invite") op = natter::Op::invite;
  else if (name == "kick") op = natter::Op::kick;
  else if (name == "delete_room") op = natter::Op::delete_room;
  else if (name == "list_rooms") op = natter::Op::list_rooms;
  else if (name == "members") op = natter::Op::members;
  else if (name == "presence") op = natter::Op::presence;
  else if (name == "read") op = natter::Op::read;
  else if (name == "edit") op = natter::Op::edit;
  else if (name == "delete") op = natter::Op::delete_message;
  else if (name == "upload") op = natter::Op::upload;
  else if (name == "download") op = natter::Op::download;
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
    case natter::EventKind::typing: return "typing";
    case natter::EventKind::invited: return "invited";
    case natter::EventKind::room_deleted: return "room_deleted";
    case natter::EventKind::rooms: return "rooms";
    case natter::EventKind::member_list: return "members";
    case natter::EventKind::presence: return "presence";
    case natter::EventKind::read: return "read";
    case natter::EventKind::edited: return "edited";
    case natter::EventKind::deleted: return "deleted";
    case natter::EventKind::delivered: return "delivered";
    case natter::EventKind::upload: return "upload";
    case natter::EventKind::download: return "download";
  }
  return "unknown";
}

// Ids travel as decimal strings (JavaScript loses integers past 2^53).
void write_id(JsonWriter& w, std::uint64_t id, std::string_view name = "id") {
  char digits[24];
  const auto end = std::to_chars(digits, digits + sizeof digits, id).ptr;
  w.member(name, std::string_view(digits, static_cast<std::size_t>(end - digits)));
}

// A message's members, into the object being written.
void write_message_members(JsonWriter& w, const natter::MessageView& m, bool with_room) {
  if (with_room) w.member("room", m.room);
  write_id(w, m.id);
  w.member("ts", m.ts_ms)
      .member("from", m.sender)
      .member("body", m.body);
}

// What became of a message since it was sent, if anything.
void write_mark(JsonWriter& w, const natter::MessageMark& mark) {
  if (mark.deleted) {
    w.key("deleted").boolean(true);
  } else if (mark.revision) {
    w.member("edited_ts", mark.revised_ms);
  }
}

const natter::MessageMark* only_mark(const natter::Event& e) { return e.marks.empty() ? nullptr : &e.marks[0]; }

void write_attachment(JsonWriter& w, const natter::Attachment& a) {
  w.begin_object().member("key", a.key).member("name", a.name).member("type", a.type).member("size", a.size).end_object();
}

// The files of message `index` of the event, if it has any.
void write_attachments(JsonWriter& w, const natter::Event& e, std::size_t index) {
  if (index >= e.attachments.size() || e.attachments[index].empty()) return;
  w.key("attachments").begin_array();
  for (const auto& a : e.attachments[index]) write_attachment(w, a);
  w.end_array();
}

}  // namespace

void decode_command(std::string_view text, DecodedCommand& out) {
  json::parse_options options;
  options.max_depth = kMaxJsonDepth;
  std::error_code ec;
  out.document = json::parse(text, ec, json::storage_ptr(&out.arena), options);
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
    out.error = "unknown op '" + std::string(op) +
                "' (known: join, leave, send, history, typing, ping, create_room, invite, kick, delete_room,"
                " list_rooms, members, presence, read, edit, delete, upload, download)";
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
      c.to = read.text("to", false);
      c.room = read.text("room", c.to.empty());
      c.body = read.text("body", true);
      if (out.error.empty() && c.body.empty()) read.fail("field 'body' must not be empty");
      c.traceparent = read.text("traceparent", false);
      read.attachments("attachments", out.attachments);
      c.attachments = out.attachments;
      break;
    case natter::Op::upload:
    case natter::Op::download: {
      c.to = read.text("to", false);
      c.room = read.text("room", c.to.empty());
      natter::Attachment file;
      if (c.op == natter::Op::upload) {
        file.name = read.text("name", true);
        file.type = read.text("type", true);
        file.size = read.size("size", true);
      } else {
        file.key = read.text("key", true);
      }
      out.attachments.push_back(file);
      c.attachments = out.attachments;
      break;
    }
    case natter::Op::history: {
      c.room = read.text("room", true);
      bool present = false;
      c.before = read.id("before", present);
      c.after = read.id("after", c.has_after);
      c.limit = read.positive("limit");
      break;
    }
    case natter::Op::ping:
      break;
    case natter::Op::typing:
      c.room = read.text("room", true);
      c.stopped = !read.boolean("active", true);
      break;
    case natter::Op::create_room:
      c.room = read.text("room", true);
      c.kind = read.text("kind", false);
      c.password = read.text("password", false);
      c.members_invite = read.boolean("members_invite", false);
      break;
    case natter::Op::invite:
    case natter::Op::kick:
      c.room = read.text("room", true);
      c.user = read.text("user", true);
      if (out.error.empty() && c.user.empty()) read.fail("field 'user' must not be empty");
      break;
    case natter::Op::delete_room:
    case natter::Op::members:
      c.room = read.text("room", true);
      break;
    case natter::Op::list_rooms:
      c.after_room = read.text("after", false);
      c.limit = read.positive("limit");
      break;
    case natter::Op::presence:
      read.texts("users", out.users);
      c.users = out.users;
      break;
    case natter::Op::read: {
      c.room = read.text("room", true);
      bool present = false;
      c.id = read.id("id", present);
      if (out.error.empty() && !present) read.fail("missing field 'id'");
      break;
    }
    case natter::Op::edit:
    case natter::Op::delete_message: {
      c.to = read.text("to", false);
      c.room = read.text("room", c.to.empty());
      bool present = false;
      c.id = read.id("id", present);
      if (out.error.empty() && !present) read.fail("missing field 'id'");
      if (c.op == natter::Op::edit) {
        c.body = read.text("body", true);
        if (out.error.empty() && c.body.empty()) read.fail("field 'body' must not be empty");
      }
      break;
    }
  }
}

namespace {

// The event as natter.v1 JSON, appended to `text`. Throws std::bad_alloc.
void write_event(const natter::Event& e, std::string& text) {
  JsonWriter w(text);
  w.begin_object().member("type", event_type(e.kind));
  if (!e.ref.empty()) w.member("ref", e.ref);
  switch (e.kind) {
    case natter::EventKind::welcome:
      w.member("user", e.user).member("node", std::uint64_t{e.node_id}).member("protocol", kSubprotocol);
      break;
    case natter::EventKind::joined:
    case natter::EventKind::left:
      w.member("room", e.room).member("user", e.user);
      if (!e.room_kind.empty()) w.member("kind", e.room_kind);
      if (!e.by.empty()) w.member("by", e.by);
      if (!e.members.empty()) {
        w.key("members").begin_array();
        for (auto m : e.members) w.string(m);
        w.end_array();
      }
      if (e.unread >= 0) w.member("unread", e.unread);
      if (e.recovery) {
        w.key("recovered").boolean(e.recovered);
        if (!e.recovered) write_id(w, e.recovered_up_to, "recovered_up_to");
      }
      break;
    case natter::EventKind::message:
      write_message_members(w, e.message, true);
      if (const auto* mark = only_mark(e)) write_mark(w, *mark);
      write_attachments(w, e, 0);
      break;
    case natter::EventKind::upload:
    case natter::EventKind::download:
      w.member("room", e.room);
      if (!e.attachments.empty() && !e.attachments[0].empty()) {
        // upload: the attachment as a send names it, once the file is put.
        const natter::Attachment& file = e.attachments[0][0];
        if (e.kind == natter::EventKind::upload) {
          w.key("attachment");
          write_attachment(w, file);
        } else {
          w.member("key", file.key);
        }
      }
      w.member("method", e.method).member("url", e.url).member("expires_at", e.expires_at_ms);
      w.key("headers").begin_object();
      for (const auto& h : e.headers) w.member(h.name, h.value);
      w.end_object();
      break;
    case natter::EventKind::ack:
      w.member("room", e.room);
      write_id(w, e.message.id);
      w.member("ts", e.message.ts_ms);
      if (!e.trace_id.empty()) w.member("trace_id", e.trace_id);
      break;
    case natter::EventKind::history:
      w.member("room", e.room).key("messages").begin_array();
      for (std::size_t i = 0; i < e.messages.size(); ++i) {
        w.begin_object();
        write_message_members(w, e.messages[i], false);
        if (i < e.marks.size()) write_mark(w, e.marks[i]);
        write_attachments(w, e, i);
        w.end_object();
      }
      w.end_array();
      w.key("more").boolean(e.more);
      break;
    case natter::EventKind::error:
      w.member("code", natter::to_string(e.error)).member("message", e.error_message);
      if (e.retry_after_ms) w.member("retry_after_ms", std::uint64_t{e.retry_after_ms});
      break;
    case natter::EventKind::pong:
      break;
    case natter::EventKind::typing:
      w.member("room", e.room).key("users").begin_array();
      for (auto user : e.members) w.string(user);
      w.end_array().member("ttl_ms", std::uint64_t{e.ttl_ms});
      break;
    case natter::EventKind::invited:
      w.member("room", e.room).member("user", e.user).member("by", e.by);
      break;
    case natter::EventKind::read:
    case natter::EventKind::delivered:
      w.member("room", e.room).member("user", e.user);
      write_id(w, e.message.id);
      break;
    case natter::EventKind::edited:
      w.member("room", e.room);
      write_id(w, e.message.id);
      if (e.message.ts_ms) w.member("ts", e.message.ts_ms);
      w.member("from", e.message.sender).member("body", e.message.body);
      if (const auto* mark = only_mark(e)) write_mark(w, *mark);
      write_attachments(w, e, 0);
      if (!e.by.empty()) w.member("by", e.by);
      break;
    case natter::EventKind::deleted:
      w.member("room", e.room);
      write_id(w, e.message.id);
      if (const auto* mark = only_mark(e)) w.member("deleted_ts", mark->revised_ms);
      if (!e.by.empty()) w.member("by", e.by);
      break;
    case natter::EventKind::room_deleted:
      w.member("room", e.room).member("by", e.by);
      break;
    case natter::EventKind::rooms:
      w.key("rooms").begin_array();
      for (const auto& r : e.rooms) {
        w.begin_object()
            .member("room", r.room)
            .member("kind", r.kind)
            .member("members", std::uint64_t{r.members})
            .key("member").boolean(r.member)
            .key("invited").boolean(r.invited);
        if (r.unread >= 0) w.member("unread", r.unread);
        w.end_object();
      }
      w.end_array().key("more").boolean(e.more);
      break;
    case natter::EventKind::presence:
      w.key("users").begin_array();
      for (const auto& m : e.member_list) {
        w.begin_object().member("user", m.user).key("online").boolean(m.online);
        if (m.last_seen_ms) w.member("last_seen", m.last_seen_ms);
        w.end_object();
      }
      w.end_array();
      break;
    case natter::EventKind::member_list:
      w.member("room", e.room).key("members").begin_array();
      for (const auto& m : e.member_list) {
        w.begin_object().member("user", m.user).member("role", m.role).key("online").boolean(m.online);
        if (m.last_seen_ms) w.member("last_seen", m.last_seen_ms);
        w.end_object();
      }
      w.end_array();
      break;
  }
  w.end_object();
}

}  // namespace

void JsonEncoder::encode(const natter::Event& e, natter::ByteSink& out) const noexcept {
  try {
    std::string text;
    text.reserve(128 + e.message.body.size());
    write_event(e, text);
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
  // The JSON goes behind room for the longest header, and the header right
  // in front of it: one buffer, handed over whole.
  constexpr std::size_t kLongestHeader = 10;
  try {
    std::string frame;
    frame.reserve(kLongestHeader + 128 + event.message.body.size());
    frame.assign(kLongestHeader, '\0');
    write_event(event, frame);
    std::string header;
    append_server_header(header, Opcode::text, frame.size() - kLongestHeader);
    const std::size_t start = kLongestHeader - header.size();
    frame.replace(start, header.size(), header);
    out.append(std::as_bytes(std::span(frame.data() + start, frame.size() - start)));
  } catch (...) {
    // Out of memory: as JsonEncoder.
  }
}

const FrameEncoder& FrameEncoder::instance() {
  static const FrameEncoder encoder;
  return encoder;
}

std::string encode_error(std::string_view ref, natter::ErrorCode code, std::string_view message) {
  std::string text;
  JsonWriter w(text);
  w.begin_object().member("type", "error");
  if (!ref.empty()) w.member("ref", ref);
  w.member("code", natter::to_string(code)).member("message", message).end_object();
  return text;
}

}  // namespace natter::ws
