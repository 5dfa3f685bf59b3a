#include "chat/operator_desk.hpp"

#include <memory>

#include "chat/direct_name.hpp"

namespace natter::chat {

namespace {

std::size_t sessions_in(RoomDirectory& rooms, std::string_view name) {
  const Room* room = rooms.find(name);
  return room ? room->members.size() : 0;
}

// One system message's storage answer, on the loop.
class SystemAppend final : public natter::AppendDone {
 public:
  SystemAppend(runtime::Executor& loop, std::function<void(natter::Status)> then) : loop_(loop), then_(std::move(then)) {}
  void appended(natter::Status status) noexcept override {
    loop_.post([this, code = status.code, detail = std::string(status.detail)] {
      then_({code, detail});
      delete this;
    });
  }

 private:
  runtime::Executor& loop_;
  std::function<void(natter::Status)> then_;
};

}  // namespace

DeskSummary OperatorDesk::summary() const {
  DeskSummary s;
  for (const auto& user : parts_.sessions.users()) {
    ++s.users;
    s.sessions += parts_.sessions.of_user(user).size();
  }
  s.rooms = parts_.catalog.size();
  s.rooms_here = parts_.rooms.size();
  s.cluster_nodes = parts_.presence.cluster_nodes();
  return s;
}

std::vector<DeskRoom> OperatorDesk::rooms() const {
  std::vector<DeskRoom> out;
  for (const auto& [name, record] : parts_.catalog.all()) {
    out.push_back({*name, std::string(kind_name(record->kind)), record->owner, record->members.size(),
                   sessions_in(parts_.rooms, *name)});
  }
  return out;
}

std::optional<std::vector<DeskMember>> OperatorDesk::room(std::string_view name, DeskRoom& room) const {
  const RoomRecord* record = parts_.catalog.find(name);
  if (!record) return std::nullopt;
  room = {std::string(name), std::string(kind_name(record->kind)), record->owner, record->members.size(),
          sessions_in(parts_.rooms, name)};
  std::vector<DeskMember> members;
  for (const auto& user : record->members) {
    std::size_t here = 0;
    for (const Session* s : parts_.sessions.of_user(user)) here += s->joined(name) ? 1 : 0;
    members.push_back({user, user == record->owner ? "owner" : "member", parts_.presence.online(user),
                       parts_.presence.last_seen_ms(user), here});
  }
  return members;
}

std::vector<DeskSession> OperatorDesk::sessions() const {
  std::vector<DeskSession> out;
  for (const auto& user : parts_.sessions.users()) {
    for (const Session* s : parts_.sessions.of_user(user)) {
      out.push_back({s->id(), s->user, s->remote_address(), {s->rooms.begin(), s->rooms.end()}});
    }
  }
  return out;
}

std::size_t OperatorDesk::kick(std::string_view user) {
  const std::span<Session* const> devices = parts_.sessions.of_user(user);
  const std::vector<Session*> closing(devices.begin(), devices.end());
  for (Session* s : closing) s->link().close(natter::CloseCode::policy, "disconnected by the operator");
  return closing.size();
}

void OperatorDesk::broadcast(const std::string& room, const std::string& text, Sent done) {
  if (!parts_.catalog.find(room)) return done(natter::ErrorCode::no_such_room, "there is no room '" + room + "'", 0);
  const Snowflake id = parts_.ids.next();
  auto message = std::make_shared<StoredMessage>(StoredMessage{id.id, id.unix_ms, room, {}, text, {}});
  // Delivered once stored, so nobody reads a system message that a
  // restart would lose.
  parts_.storage.append(message->view(), *new SystemAppend(parts_.loop, [this, message, done](natter::Status status) {
    if (status.code != natter::ErrorCode::none) return done(status.code, std::string(status.detail), 0);
    parts_.bus.message(*message, parts_.bus.new_trace());
    parts_.delivery.deliver(*message);
    done(natter::ErrorCode::none, {}, message->id);
  }));
}

}  // namespace natter::chat
