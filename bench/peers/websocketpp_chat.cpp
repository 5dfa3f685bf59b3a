// A tiny pub/sub server on websocketpp (Asio), for side-by-side benchmarks:
// the natter.v1 subset natter_loadgen uses (welcome on connect, join ->
// joined, send -> message to every member and ack to the sender). A
// message is framed once and the same prepared frame is queued to every
// member, as a careful websocketpp user broadcasts (websocketpp's own
// broadcast example frames it once per connection instead). No storage,
// no ids worth the name: the floor a broker's real work is compared
// against. One thread, like websocketpp's examples.
//
//   natter_peer_websocketpp PORT

#include <chrono>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include <websocketpp/config/asio_no_tls.hpp>
#include <websocketpp/processors/hybi13.hpp>
#include <websocketpp/server.hpp>

using Config = websocketpp::config::asio;
using Server = websocketpp::server<Config>;
using Handle = websocketpp::connection_hdl;

namespace {

// The string value of "key":"..." in a flat JSON object (no escapes needed
// for what the generator sends).
std::string field(const std::string& json, const std::string& key) {
  const std::string pattern = "\"" + key + "\":\"";
  auto at = json.find(pattern);
  if (at == std::string::npos) return {};
  at += pattern.size();
  return json.substr(at, json.find('"', at) - at);
}

// Frames a text message once, for any number of connections: a server's
// frames are not masked, so one prepared frame fits every client.
class Framer {
 public:
  Server::message_ptr frame(const std::string& text) {
    auto in = messages_->get_message(websocketpp::frame::opcode::text, text.size());
    in->set_payload(text);
    auto out = messages_->get_message();
    if (framer_.prepare_data_frame(in, out)) return nullptr;
    return out;
  }

 private:
  Config::rng_type rng_;
  Config::con_msg_manager_type::ptr messages_ = websocketpp::lib::make_shared<Config::con_msg_manager_type>();
  websocketpp::processor::hybi13<Config> framer_{false, true, messages_, rng_};
};

}  // namespace

int main(int argc, char** argv) {
  Server server;
  std::map<std::string, std::set<Handle, std::owner_less<Handle>>> rooms;
  std::map<Handle, std::string, std::owner_less<Handle>> users;
  unsigned long long next_id = 1;
  Framer framer;

  server.clear_access_channels(websocketpp::log::alevel::all);
  server.clear_error_channels(websocketpp::log::elevel::all);
  server.init_asio();
  server.set_reuse_addr(true);
  server.set_validate_handler([&](Handle h) {
    auto con = server.get_con_from_hdl(h);
    for (const auto& p : con->get_requested_subprotocols()) {
      if (p == "natter.v1") con->select_subprotocol(p);
    }
    return true;
  });
  server.set_open_handler([&](Handle h) {
    // As natter and Node's ws do: small frames go out at once.
    websocketpp::lib::asio::error_code ignored;
    server.get_con_from_hdl(h)->get_socket().set_option(websocketpp::lib::asio::ip::tcp::no_delay(true), ignored);
    const std::string query = server.get_con_from_hdl(h)->get_resource();
    const auto at = query.find("user=");
    users[h] = at == std::string::npos ? "guest" : query.substr(at + 5);
    server.send(h, R"({"type":"welcome","user":")" + users[h] + R"("})", websocketpp::frame::opcode::text);
  });
  server.set_close_handler([&](Handle h) {
    for (auto& [name, members] : rooms) members.erase(h);
    users.erase(h);
  });
  server.set_message_handler([&](Handle h, Server::message_ptr message) {
    const std::string& json = message->get_payload();
    const std::string op = field(json, "op"), room = field(json, "room"), ref = field(json, "ref");
    if (op == "join") {
      rooms[room].insert(h);
      server.send(h, R"({"type":"joined","ref":")" + ref + R"(","room":")" + room + R"("})",
                  websocketpp::frame::opcode::text);
    } else if (op == "send") {
      const auto ts = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
      const std::string id = std::to_string(next_id++);
      const std::string event = R"({"type":"message","room":")" + room + R"(","id":")" + id +
                                R"(","ts":)" + std::to_string(ts) + R"(,"from":")" + users[h] +
                                R"(","body":")" + field(json, "body") + R"("})";
      const auto frame = framer.frame(event);
      for (const auto& member : rooms[room]) server.send(member, frame);
      server.send(h, R"({"type":"ack","ref":")" + ref + R"(","room":")" + room + R"(","id":")" + id + R"("})",
                  websocketpp::frame::opcode::text);
    }
  });
  try {
    // Loopback only, like natterd in the benchmark.
    server.listen("127.0.0.1", argc > 1 ? argv[1] : "9002");
    server.start_accept();
    std::fprintf(stderr, "websocketpp peer listening\n");
    server.run();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "natter_peer_websocketpp: %s\n", e.what());
    return 1;
  }
}
