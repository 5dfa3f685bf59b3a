// Fan-out benchmark: N WebSocket subscribers in one room, one publisher
// keeping at most `window` sends un-acked. Each message carries its send
// time; subscribers record delivery latency. Prints JSON, then a table.
//
//   natter_bench_fanout --url ws://127.0.0.1:8080/ws --subscribers 200 --messages 2000 --window 32

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1", port = "8080", path = "/ws";
  int subscribers = 200, messages = 2000, window = 32, body_bytes = 64;
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

// Sync connect + join: setup is not what is measured.
std::unique_ptr<websocket::stream<tcp::socket>> open(asio::io_context& io, const Options& o,
                                                     const std::string& user) {
  auto ws = std::make_unique<websocket::stream<tcp::socket>>(io);
  tcp::resolver resolver(io);
  asio::connect(ws->next_layer(), resolver.resolve(o.host, o.port));
  ws->set_option(websocket::stream_base::decorator([](websocket::request_type& r) {
    r.set(beast::http::field::sec_websocket_protocol, "natter.v1");
  }));
  ws->handshake(o.host + ":" + o.port, o.path + "?user=" + user);
  beast::flat_buffer buffer;
  ws->read(buffer);  // welcome
  ws->write(asio::buffer(std::string(R"({"op":"join","room":"bench","ref":"j"})")));
  for (;;) {  // until our own joined answer
    buffer.clear();
    ws->read(buffer);
    if (beast::buffers_to_string(buffer.data()).find(R"("ref":"j")") != std::string::npos) break;
  }
  return ws;
}

// The send time the publisher put in the body: "...","body":"<ns> pad...
std::int64_t sent_ns(std::string_view frame) {
  auto at = frame.find(R"("body":")");
  if (at == std::string_view::npos) return 0;
  std::int64_t ns = 0;
  const char* begin = frame.data() + at + 8;
  std::from_chars(begin, frame.data() + frame.size(), ns);
  return ns;
}

struct Subscriber {
  std::unique_ptr<websocket::stream<tcp::socket>> ws;
  beast::flat_buffer buffer;
  std::vector<std::int64_t>* latencies;
  long received = 0;
  long expected = 0;
  int* done;

  void read() {
    ws->async_read(buffer, [this](beast::error_code ec, std::size_t) {
      if (ec) return;
      auto data = buffer.cdata();
      std::string_view frame(static_cast<const char*>(data.data()), data.size());
      if (frame.find(R"("type":"message")") != std::string_view::npos) {
        latencies->push_back(now_ns() - sent_ns(frame));
        if (++received == expected) ++*done;
      }
      buffer.consume(buffer.size());
      if (received < expected) read();
    });
  }
};

struct Publisher {
  std::unique_ptr<websocket::stream<tcp::socket>> ws;
  beast::flat_buffer buffer;
  std::string pad;
  int to_send = 0, sent = 0, acked = 0, window = 0, in_flight = 0;
  bool writing = false;
  std::string frame;

  void pump() {
    if (writing || sent == to_send || in_flight >= window) return;
    writing = true;
    ++in_flight;
    frame = R"({"op":"send","room":"bench","ref":"m)" + std::to_string(sent++) + R"(","body":")" +
            std::to_string(now_ns()) + " " + pad + R"("})";
    ws->async_write(asio::buffer(frame), [this](beast::error_code ec, std::size_t) {
      writing = false;
      if (!ec) pump();
    });
  }
  void read() {
    ws->async_read(buffer, [this](beast::error_code ec, std::size_t) {
      if (ec) return;
      auto data = buffer.cdata();
      std::string_view f(static_cast<const char*>(data.data()), data.size());
      if (f.find(R"("type":"ack")") != std::string_view::npos) {
        ++acked;
        --in_flight;
        pump();
      } else if (f.find(R"("type":"error")") != std::string_view::npos) {
        std::fprintf(stderr, "server error: %.*s\n", static_cast<int>(f.size()), f.data());
      }
      buffer.consume(buffer.size());
      if (acked < to_send) read();
    });
  }
};

double percentile(std::vector<std::int64_t>& v, double p) {
  if (v.empty()) return 0;
  auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return static_cast<double>(v[k]) / 1e6;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    std::string value = argv[i + 1];
    if (flag == "--url") {  // ws://host:port/path
      auto rest = value.substr(5);
      auto slash = rest.find('/');
      auto hostport = rest.substr(0, slash);
      o.path = slash == std::string::npos ? "/" : rest.substr(slash);
      o.host = hostport.substr(0, hostport.rfind(':'));
      o.port = hostport.substr(hostport.rfind(':') + 1);
    } else if (flag == "--subscribers") o.subscribers = std::stoi(value);
    else if (flag == "--messages") o.messages = std::stoi(value);
    else if (flag == "--window") o.window = std::stoi(value);
    else if (flag == "--body-bytes") o.body_bytes = std::stoi(value);
    else { std::fprintf(stderr, "unknown flag %s\n", argv[i]); return 2; }
  }

  asio::io_context io(1);
  std::vector<std::int64_t> latencies;
  latencies.reserve(static_cast<std::size_t>(o.subscribers) * o.messages);
  int done = 0;
  std::vector<std::unique_ptr<Subscriber>> subs;
  for (int i = 0; i < o.subscribers; ++i) {
    auto s = std::make_unique<Subscriber>();
    s->ws = open(io, o, "sub" + std::to_string(i));
    s->latencies = &latencies;
    s->expected = o.messages;
    s->done = &done;
    subs.push_back(std::move(s));
  }
  Publisher pub;
  pub.ws = open(io, o, "publisher");
  pub.to_send = o.messages;
  pub.window = o.window;
  pub.pad.assign(static_cast<std::size_t>(std::max(0, o.body_bytes - 20)), 'x');
  // Drain the "joined" announcements the subscribers got while others joined.
  for (auto& s : subs) s->read();
  pub.read();

  const auto started = Clock::now();
  pub.pump();
  io.run();
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();

  const double delivered = static_cast<double>(latencies.size());
  const double rate = delivered / seconds;
  const double p50 = percentile(latencies, 0.50), p99 = percentile(latencies, 0.99);
  std::printf(
      "{\"scenario\":\"fanout\",\"subscribers\":%d,\"messages\":%d,\"window\":%d,\"body_bytes\":%d,"
      "\"delivered\":%.0f,\"seconds\":%.3f,\"deliveries_per_s\":%.0f,\"p50_ms\":%.3f,\"p99_ms\":%.3f}\n",
      o.subscribers, o.messages, o.window, o.body_bytes, delivered, seconds, rate, p50, p99);
  std::printf("\n%-12s %-9s %-7s %-12s %-14s %-9s %-9s\n", "subscribers", "messages", "window",
              "delivered", "deliveries/s", "p50 ms", "p99 ms");
  std::printf("%-12d %-9d %-7d %-12.0f %-14.0f %-9.3f %-9.3f\n", o.subscribers, o.messages, o.window,
              delivered, rate, p50, p99);
  return delivered == static_cast<double>(o.subscribers) * o.messages ? 0 : 1;
}
