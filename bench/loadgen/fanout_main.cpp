// natter_loadgen: the fan-out load generator. Publishers send into one room
// (or --rooms rooms, subscribers spread evenly over them) with at most
// --window messages in flight per subscriber (sent but not yet received by
// every member of the room), or at a fixed --rate; subscribers receive.
// Acks are timed separately: with persisted acks they wait for the
// storage commit, deliveries do not. Written to out-drive the server: raw
// epoll, every complete frame in a read() parsed in place, no allocation
// per message. Latency is stamped with the scheduled send time, so a stall
// is not hidden (coordinated omission). Prints JSON, then a table, with
// the generator's CPU next to the server's.
//
//   natter_loadgen --url ws://127.0.0.1:8080/ws --subscribers 200 --messages 20000 --window 32
//                  [--rooms 1] [--rate MSGS_PER_S] [--body-bytes 64] [--server-pid PID] [--sources 4]
//                  [--protocol natter|socketio] [--join 1]
//
// Several nodes of one cluster: --url once per node (same path and
// scheme). Subscriber i connects to node i % nodes and every publisher to
// the first, so with 3 nodes two thirds of the deliveries cross between
// nodes. --server-pid once per node process: CPU and memory are their sum.
//
// --messages 0 only opens the connections and measures the server's memory
// per connection; with --join 1 every connection also joins its room first
// (a joined idle member); --settle S waits S seconds (default 1) before
// reading the server's memory, reading what the server sends meanwhile.
//
// --protocol socketio speaks socket.io 4 (Engine.IO 4 over WebSocket) to
// bench/peers/node_socketio, which carries the same commands and events as
// socket.io events.

#include <sys/epoll.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "latency_histogram.hpp"
#include "process_stats.hpp"
#include "wire_protocol.hpp"
#include "ws_wire.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace natter::bench;

// One session may join this many rooms (natterd's default
// max_rooms_per_session), so there is one publisher per this many rooms.
constexpr int kRoomsPerPublisher = 100;

std::int64_t now_ns() { return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count(); }

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 8080;
};

struct Options {
  std::vector<Endpoint> nodes;  // --url, in order; publishers use the first
  std::string path = "/ws";
  std::vector<int> server_pids;
  int subscribers = 200, rooms = 1, window = 32, body_bytes = 64, sources = 1;
  long messages = 20000;  // per room
  double rate = 0;        // messages per second over all rooms; 0: closed loop on the window
  bool socketio = false;  // --protocol socketio
  bool join_idle = false; // --join 1: idle connections join their rooms
  bool tls = false;       // a wss:// url
  double settle_s = 1;    // --settle: idle runs wait this long before reading the server's memory
};

struct Connection {
  int fd = -1;
  int room = 0;        // a subscriber's room
  bool remote = false;  // a subscriber on another node than the publishers
  long messages = 0;   // messages a subscriber has received
  std::string pending;  // a partial frame carried to the next read
};

// One room's flow: how far the publisher is ahead of the slowest member.
struct Room {
  std::string name;
  int members = 0;
  long sent = 0;
  long everywhere = 0;      // messages every member has received
  std::vector<int> reached;  // [k]: members that have received message k
};

std::string join_frame(const Wire& wire, const std::string& room) {
  std::string f;
  wire.command(f, "join", R"("room":")" + room + R"(","ref":"j")");
  return f;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--url") {  // ws://host:port/path or wss://
      o.tls = value.starts_with("wss://");
      auto rest = value.substr(o.tls ? 6 : 5);
      auto slash = rest.find('/');
      auto hostport = rest.substr(0, slash);
      o.path = slash == std::string::npos ? "/" : rest.substr(slash);
      o.nodes.push_back({hostport.substr(0, hostport.rfind(':')), std::stoi(hostport.substr(hostport.rfind(':') + 1))});
    } else if (flag == "--subscribers") o.subscribers = std::stoi(value);
    else if (flag == "--rooms") o.rooms = std::stoi(value);
    else if (flag == "--messages") o.messages = std::stol(value);
    else if (flag == "--window") o.window = std::stoi(value);
    else if (flag == "--rate") o.rate = std::stod(value);
    else if (flag == "--body-bytes") o.body_bytes = std::stoi(value);
    else if (flag == "--server-pid") o.server_pids.push_back(std::stoi(value));
    else if (flag == "--sources") o.sources = std::stoi(value);
    else if (flag == "--protocol" && (value == "natter" || value == "socketio")) o.socketio = value == "socketio";
    else if (flag == "--join") o.join_idle = value == "1";
    else if (flag == "--settle") o.settle_s = std::stod(value);
    else throw std::runtime_error("unknown flag " + std::string(flag));
  }
  if (o.rooms < 1 || o.subscribers < o.rooms) throw std::runtime_error("need at least one subscriber per room");
  if (o.nodes.empty()) o.nodes.emplace_back();
  return o;
}

// Opens `subs` subscriber connections. Handshakes overlap: up to 256
// upgrade requests are out before the oldest answer is read, so the server
// works on many at once (and its accept queue never overflows into SYN
// retries). Each joins its room unless `join` is false.
void open_subscribers(const Options& o, const Wire& wire, std::vector<Connection>& conns,
                      const std::vector<Room>& rooms, int epoll, bool join) {
  constexpr int kInFlight = 256;
  auto finish = [&](int i) {
    auto& c = conns[static_cast<std::size_t>(i)];
    ws_finish_upgrade(c.fd);
    wire.say_hello(c.fd, c.pending);
    if (join) send_all(c.fd, join_frame(wire, rooms[static_cast<std::size_t>(c.room)].name));
    epoll_event ev{EPOLLIN, {.u64 = static_cast<std::uint64_t>(i)}};
    epoll_ctl(epoll, EPOLL_CTL_ADD, c.fd, &ev);
  };
  for (int i = 0; i < o.subscribers; ++i) {
    const std::string source = o.sources > 1 ? "127.0.0." + std::to_string(1 + i % o.sources) : "";
    auto& c = conns[static_cast<std::size_t>(i)];
    c.room = i % o.rooms;
    c.remote = i % static_cast<int>(o.nodes.size()) != 0;
    const Endpoint& node = o.nodes[static_cast<std::size_t>(i) % o.nodes.size()];
    c.fd = ws_open(node.host, node.port, wire.target("sub" + std::to_string(i)), source);
    if (i >= kInFlight) finish(i - kInFlight);
  }
  for (int i = std::max(0, o.subscribers - kInFlight); i < o.subscribers; ++i) finish(i);
}

std::string room_name(const Options& o, int r) { return o.rooms == 1 ? "bench" : "bench" + std::to_string(r); }

// --messages 0: connections open (and are welcomed, so authenticated, and
// with --join 1 have joined their rooms) and stay silent; what is measured
// is how long that took and the server's resident memory per connection
// once settled.
int run_idle(const Options& o, const Wire& wire, long rss_before, Clock::time_point opening) {
  const int epoll = epoll_create1(0);
  std::vector<Connection> conns(static_cast<std::size_t>(o.subscribers));
  std::vector<Room> rooms(static_cast<std::size_t>(o.rooms));
  for (int r = 0; r < o.rooms; ++r) rooms[static_cast<std::size_t>(r)].name = room_name(o, r);
  open_subscribers(o, wire, conns, rooms, epoll, o.join_idle);
  std::vector<char> buffer(1 << 16);
  std::vector<epoll_event> events(1024);
  // Per connection: whether its welcome and its own joined answer came.
  // The text of a read is searched with the end of the one before, so a
  // frame split between two reads is still found.
  struct Seen {
    bool welcome = false, joined = false;
    std::string tail;
  };
  std::vector<Seen> seen(conns.size());
  int welcomed = 0, joined = 0;
  auto look = [&](std::size_t i, std::string_view text) {
    Seen& s = seen[i];
    const std::string window = s.tail + std::string(text);
    if (!s.welcome && window.find(R"("type":"welcome")") != std::string::npos) {
      s.welcome = true;
      ++welcomed;
    }
    if (!s.joined && window.find(R"("type":"joined","ref":"j")") != std::string::npos) {
      s.joined = true;
      ++joined;
    }
    s.tail = window.substr(window.size() > 40 ? window.size() - 40 : 0);
  };
  for (std::size_t i = 0; i < conns.size(); ++i) look(i, conns[i].pending);  // read while saying hello
  const int want_joined = o.join_idle ? o.subscribers : 0;
  // Reads whatever the server sends, as any WebSocket client does while
  // its user is idle: a client that stopped reading would be measuring
  // the server's queue for a slow reader, not an idle member.
  auto read_ready = [&](int timeout_ms) {
    const int ready = epoll_wait(epoll, events.data(), static_cast<int>(events.size()), timeout_ms);
    for (int e = 0; e < ready; ++e) {
      const auto i = events[static_cast<std::size_t>(e)].data.u64;
      ssize_t n;
      while ((n = ws_read(conns[i].fd, buffer.data(), buffer.size())) > 0) {
        look(i, std::string_view(buffer.data(), static_cast<std::size_t>(n)));
      }
    }
  };
  while (welcomed < o.subscribers || joined < want_joined) {
    if (Clock::now() - opening > std::chrono::minutes(2)) {
      throw std::runtime_error("connections were not welcomed" + std::string(o.join_idle ? " and joined" : ""));
    }
    read_ready(100);
  }
  const double open_seconds = std::chrono::duration<double>(Clock::now() - opening).count();
  const auto settled = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(o.settle_s));
  while (Clock::now() < settled) read_ready(100);  // let the server settle
  const long rss_after = rss_kib_of(o.server_pids);
  const double per_connection = static_cast<double>(rss_after - rss_before) * 1024.0 / o.subscribers;
  std::printf("{\"scenario\":\"idle\",\"connections\":%d,\"joined\":%s,\"rooms\":%d,\"open_seconds\":%.3f,"
              "\"server_rss_before_kib\":%ld,\"server_rss_after_kib\":%ld,\"bytes_per_connection\":%.0f}\n",
              o.subscribers, o.join_idle ? "true" : "false", o.rooms, open_seconds, rss_before, rss_after,
              per_connection);
  std::printf("\n%-12s %-10s %-12s %-12s %-10s\n%-12d %-10.3f %-12ld %-12ld %-10.0f\n", "connections", "open s",
              "rss before", "rss after", "B/conn", o.subscribers, open_seconds, rss_before, rss_after, per_connection);
  return 0;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options o = parse(argc, argv);
  // Wake for a scheduled send when it is due, not up to 50 us later (the
  // default timer slack): the lateness would count as every server's latency.
  prctl(PR_SET_TIMERSLACK, 1UL);
  const long rss_before = rss_kib_of(o.server_pids);
  const auto opening = Clock::now();
  const Wire wire{o.socketio, o.path};
  if (o.tls) ws_use_tls();
  if (o.messages == 0) return run_idle(o, wire, rss_before, opening);

  const int epoll = epoll_create1(0);
  std::vector<Room> rooms(static_cast<std::size_t>(o.rooms));
  for (int r = 0; r < o.rooms; ++r) {
    auto& room = rooms[static_cast<std::size_t>(r)];
    room.name = room_name(o, r);
    room.members = o.subscribers / o.rooms + (r < o.subscribers % o.rooms ? 1 : 0);
    room.reached.resize(static_cast<std::size_t>(o.messages));
  }
  // Subscribers first, then one publisher per kRoomsPerPublisher rooms.
  const int publishers = (o.rooms + kRoomsPerPublisher - 1) / kRoomsPerPublisher;
  std::vector<Connection> conns(static_cast<std::size_t>(o.subscribers + publishers));
  open_subscribers(o, wire, conns, rooms, epoll, true);
  for (int p = 0; p < publishers; ++p) {
    const auto i = static_cast<std::size_t>(o.subscribers + p);
    // natter answers a ref it has seen from the same user as a retry (the
    // first ack, no second delivery), so each run publishes as users of its
    // own: a second run against the same server is not taken for retries.
    conns[i].fd = ws_connect(o.nodes.front().host, o.nodes.front().port,
                             wire.target("publisher" + std::to_string(p) + "-" + std::to_string(getpid())));
    wire.say_hello(conns[i].fd, conns[i].pending);
    for (int r = p * kRoomsPerPublisher; r < std::min(o.rooms, (p + 1) * kRoomsPerPublisher); ++r) {
      send_all(conns[i].fd, join_frame(wire, rooms[static_cast<std::size_t>(r)].name));
    }
    epoll_event ev{EPOLLIN, {.u64 = i}};
    epoll_ctl(epoll, EPOLL_CTL_ADD, conns[i].fd, &ev);
  }

  LatencyHistogram latency, ack_latency;
  LatencyHistogram remote_latency;  // deliveries that crossed to another node
  // Per message: when its first and its last recipient got it. The first
  // shows the way in (publisher, server, first write); the gap to the last
  // shows how long the server took to write to the whole room.
  LatencyHistogram first_latency, last_latency;
  const long total = static_cast<long>(o.rooms) * o.messages;
  std::vector<std::int64_t> scheduled(static_cast<std::size_t>(total));  // by ref number
  std::vector<char> buffer(4 << 20);
  std::vector<epoll_event> events(1024);
  // A body is its send time as 19 digits and a space, then padding, so it
  // is exactly --body-bytes long (20 at the least).
  constexpr int kStampBytes = 20;
  const std::string pad(static_cast<std::size_t>(std::max(0, o.body_bytes - kStampBytes)), 'x');
  std::vector<std::string> out(static_cast<std::size_t>(publishers));
  long sent = 0, acked = 0, delivered = 0, subscribers_done = 0;
  int joined = 0;
  bool measuring = false;
  Clock::time_point started;
  double gen_cpu0 = 0, server_cpu0 = 0;
  const long expected = static_cast<long>(o.subscribers) * o.messages;

  auto send_one = [&](int r, std::int64_t stamp) {
    auto& room = rooms[static_cast<std::size_t>(r)];
    const long ref = static_cast<long>(r) * o.messages + room.sent;
    scheduled[static_cast<std::size_t>(ref)] = stamp;
    char body[kStampBytes + 1];
    const int n = std::snprintf(body, sizeof body, "%019lld ", static_cast<long long>(stamp));
    wire.command(out[static_cast<std::size_t>(r / kRoomsPerPublisher)], "send",
                 R"("room":")" + room.name + R"(","ref":"m)" + std::to_string(ref) + R"(","body":")" +
                     std::string(body, static_cast<std::size_t>(n)) + pad + R"(")");
    ++room.sent;
    ++sent;
  };
  auto pump = [&] {
    if (!measuring) return;
    const std::int64_t now = now_ns();
    if (o.rate > 0) {
      // Open loop: the n-th message goes to room n % rooms when it is due.
      const std::int64_t start = std::chrono::duration_cast<std::chrono::nanoseconds>(started.time_since_epoch()).count();
      while (sent < total) {
        const std::int64_t due = start + static_cast<std::int64_t>(static_cast<double>(sent) * 1e9 / o.rate);
        if (due > now) break;
        send_one(static_cast<int>(sent % o.rooms), due);
      }
    } else {
      for (int r = 0; r < o.rooms; ++r) {
        auto& room = rooms[static_cast<std::size_t>(r)];
        while (room.sent < o.messages && room.sent - room.everywhere < o.window) send_one(r, now);
      }
    }
    for (int p = 0; p < publishers; ++p) {
      auto& bytes = out[static_cast<std::size_t>(p)];
      if (!bytes.empty()) send_all(conns[static_cast<std::size_t>(o.subscribers + p)].fd, bytes);
      bytes.clear();
    }
  };

  // `received`: when the read that brought the frame returned; frames of
  // one read arrived together.
  std::string pong;
  append_client_frame(pong, "3");
  auto on_frame = [&](Connection& c, bool is_publisher, std::int64_t received, int opcode, std::string_view frame) {
    if (opcode == 0x8) {
      const int code = frame.size() >= 2 ? (static_cast<unsigned char>(frame[0]) << 8) | static_cast<unsigned char>(frame[1]) : 1005;
      throw std::runtime_error("server closed a connection: " + std::to_string(code) + " " +
                               std::string(frame.substr(std::min<std::size_t>(2, frame.size()))));
    }
    if (opcode != 0x1) return;
    if (wire.is_ping(frame)) {
      send_all(c.fd, pong);
      return;
    }
    const std::string_view payload = wire.event(frame);
    if (payload.starts_with(R"({"type":"message")")) {
      if (is_publisher) return;
      const std::int64_t took = received - stamped_ns(payload, pad.size());
      latency.record(took);
      if (c.remote) remote_latency.record(took);
      ++delivered;
      auto& room = rooms[static_cast<std::size_t>(c.room)];
      int& reached = room.reached[static_cast<std::size_t>(c.messages)];
      if (reached == 0) first_latency.record(took);
      if (++reached == room.members) {
        last_latency.record(took);
        while (room.everywhere < o.messages && room.reached[static_cast<std::size_t>(room.everywhere)] == room.members) {
          ++room.everywhere;
        }
      }
      if (++c.messages == o.messages) ++subscribers_done;
    } else if (payload.starts_with(R"({"type":"ack")")) {
      ++acked;
      if (const long ref = ref_number(payload); ref >= 0 && ref < total) {
        ack_latency.record(received - scheduled[static_cast<std::size_t>(ref)]);
      }
    } else if (payload.starts_with(R"({"type":"joined","ref":"j")")) {
      ++joined;
    } else if (payload.starts_with(R"({"type":"error")")) {
      std::fprintf(stderr, "server error: %.*s\n", static_cast<int>(payload.size()), payload.data());
    }
  };

  const auto deadline = Clock::now() + std::chrono::minutes(5);
  // Deliveries are timed to the last one; the loop then waits for the
  // acks still trailing (persisted acks wait for the commit).
  double seconds = 0, gen_cpu = 0, server_cpu = 0;
  while ((subscribers_done < o.subscribers || acked < total) && Clock::now() < deadline) {
    if (!measuring && joined == o.subscribers + o.rooms) {
      measuring = true;
      started = Clock::now();
      gen_cpu0 = cpu_seconds_self();
      server_cpu0 = cpu_seconds_of(o.server_pids);
    }
    pump();
    // At a fixed rate, wake exactly when the next send is due: a late
    // send would count against the server (latency runs from the
    // scheduled time).
    timespec timeout{0, 100'000'000};
    if (measuring && o.rate > 0 && sent < total) {
      const std::int64_t due = std::chrono::duration_cast<std::chrono::nanoseconds>(started.time_since_epoch()).count() +
                               static_cast<std::int64_t>(static_cast<double>(sent) * 1e9 / o.rate);
      const std::int64_t wait = std::max<std::int64_t>(0, due - now_ns());
      timeout = {static_cast<time_t>(wait / 1'000'000'000), static_cast<long>(wait % 1'000'000'000)};
    }
    const int ready = epoll_pwait2(epoll, events.data(), static_cast<int>(events.size()), &timeout, nullptr);
    for (int e = 0; e < ready; ++e) {
      const auto index = events[static_cast<std::size_t>(e)].data.u64;
      Connection& c = conns[index];
      const bool is_publisher = index >= static_cast<std::uint64_t>(o.subscribers);
      // Level-triggered: a read that did not fill the buffer emptied the
      // socket, and anything arriving later is reported again, so no
      // second read() is spent to learn EAGAIN.
      bool more = true;
      while (more) {
        std::memcpy(buffer.data(), c.pending.data(), c.pending.size());
        const std::size_t room = buffer.size() - c.pending.size();
        const ssize_t n = ws_read(c.fd, buffer.data() + c.pending.size(), room);
        if (n <= 0) {
          if (n < 0 && errno == EAGAIN) break;
          throw std::runtime_error("a connection was closed by the server");
        }
        // TLS hands over a record per read: read on until it says EAGAIN.
        more = static_cast<std::size_t>(n) == room || o.tls;
        const std::int64_t received = now_ns();
        const std::size_t have = c.pending.size() + static_cast<std::size_t>(n);
        const std::size_t used = for_each_frame(buffer.data(), have, [&](int op, std::string_view p) {
          on_frame(c, is_publisher, received, op, p);
        });
        c.pending.assign(buffer.data() + used, have - used);
      }
    }
    if (measuring && seconds == 0 && subscribers_done == o.subscribers) {
      seconds = std::chrono::duration<double>(Clock::now() - started).count();
      gen_cpu = cpu_seconds_self() - gen_cpu0;
      server_cpu = cpu_seconds_of(o.server_pids) - server_cpu0;
    }
  }
  if (seconds == 0) seconds = std::chrono::duration<double>(Clock::now() - started).count();
  const double rate = static_cast<double>(delivered) / seconds;
  const double ns_per_delivery = delivered ? server_cpu * 1e9 / static_cast<double>(delivered) : 0;
  std::printf(
      "{\"scenario\":\"fanout\",\"subscribers\":%d,\"rooms\":%d,\"messages\":%ld,\"window\":%d,\"rate\":%.0f,"
      "\"body_bytes\":%d,\"nodes\":%zu,\"delivered\":%ld,\"expected\":%ld,\"seconds\":%.3f,\"deliveries_per_s\":%.0f,"
      "\"p50_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,\"generator_cpu_s\":%.2f,\"server_cpu_s\":%.2f,"
      "\"server_cpu_ns_per_delivery\":%.0f,\"acked\":%ld,\"ack_p50_ms\":%.3f,\"ack_p99_ms\":%.3f,"
      "\"first_p50_ms\":%.3f,\"first_p99_ms\":%.3f,\"last_p50_ms\":%.3f,\"last_p99_ms\":%.3f,"
      "\"remote_p50_ms\":%.3f,\"remote_p99_ms\":%.3f}\n",
      o.subscribers, o.rooms, o.messages, o.window, o.rate, o.body_bytes, o.nodes.size(), delivered, expected, seconds, rate,
      latency.percentile(0.5), latency.percentile(0.99), latency.percentile(0.999), gen_cpu, server_cpu,
      ns_per_delivery, acked, ack_latency.percentile(0.5), ack_latency.percentile(0.99), first_latency.percentile(0.5),
      first_latency.percentile(0.99), last_latency.percentile(0.5), last_latency.percentile(0.99),
      remote_latency.percentile(0.5), remote_latency.percentile(0.99));
  std::printf("\n%-6s %-6s %-8s %-6s %-11s %-13s %-8s %-8s %-8s %-9s %-9s %-8s\n", "subs", "rooms", "messages",
              "window", "delivered", "deliveries/s", "p50 ms", "p99 ms", "p99.9 ms", "gen cpu", "srv cpu", "ns/dlv");
  std::printf("%-6d %-6d %-8ld %-6d %-11ld %-13.0f %-8.3f %-8.3f %-8.3f %-9.2f %-9.2f %-8.0f\n", o.subscribers,
              o.rooms, o.messages, o.window, delivered, rate, latency.percentile(0.5), latency.percentile(0.99),
              latency.percentile(0.999), gen_cpu, server_cpu, ns_per_delivery);
  return delivered == expected && acked == total ? 0 : 1;
} catch (const std::exception& e) {
  std::fprintf(stderr, "natter_loadgen: %s\n", e.what());
  return 2;
}
