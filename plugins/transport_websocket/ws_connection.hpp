#pragma once
// One WebSocket client after its upgrade (WsUpgrade did the HTTP part).
// The connection does its own framing on the raw socket, which sits in its
// I/O thread's epoll set (edge-triggered; no per-connection Asio state):
// it reads every complete frame out of each read, and writes its whole
// queue of frames (shared, pre-encoded events) in one gathered sendmsg().
// On a TLS listener the same happens through the connection's TlsChannel:
// reads decrypt, and the queue's frames are copied into one buffer that is
// encrypted and written as far as the socket takes it.
// (Reading and closing: ws_connection.cpp; writing: ws_connection_output.cpp.)
// All of it runs on the connection's I/O thread; the broker's events
// arrive through that thread's inbox, and the thread's heartbeat sweep
// pings and times it out.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "frame_queue.hpp"
#include "upgraded.hpp"
#include "ws_config.hpp"

namespace natter::ws {

class IoThread;
class WsServer;

class WsConnection final : public natter::ClientLink,
                           public std::enable_shared_from_this<WsConnection> {
 public:
  // Owns `fd`, an upgraded socket, from now on.
  WsConnection(WsServer& server, IoThread& thread, int fd);
  ~WsConnection();

  // Opens the broker session and starts reading; I/O thread.
  void start(Upgraded upgraded);
  IoThread& thread() const noexcept { return thread_; }

  // `event` as one WebSocket frame, encoded once and shared by every
  // recipient; empty if memory ran out. Any thread.
  static std::span<const std::byte> frame_of(const natter::SharedEvent& event) noexcept;
  // From the thread's inbox, I/O thread: queues the frames of `run`, and
  // returns true if the connection now needs a flush() it has not been
  // promised yet.
  bool enqueue(FrameRun& run);
  // Writes what enqueue() queued, or disconnects a client that lags too
  // far behind. I/O thread.
  void flush();
  // Readiness from the thread's epoll set. I/O thread.
  void on_events(std::uint32_t events);
  // The thread's periodic sweep: pings a quiet client, closes a silent one
  // or one that never answered our close. I/O thread.
  void heartbeat(std::chrono::steady_clock::time_point now);

  // ClientLink: any thread.
  void deliver(const natter::SharedEvent& event) noexcept override;
  void close(natter::CloseCode code, std::string_view reason) noexcept override;
  void detached() noexcept override;

  // Server shutdown: say "going away" after what is queued; any thread.
  void shut_down() noexcept { close(natter::CloseCode::going_away, "server shutting down"); }
  // Server shutdown after the close timeout: drop the socket; any thread.
  void abort() noexcept;

  // Where the thread keeps us in its sweep list; the thread's business.
  std::size_t watch_slot = static_cast<std::size_t>(-1);

 private:
  void on_readable();
  void read_tls();
  // Handles newly read bytes, keeping an incomplete frame for the next read.
  void take_input(char* data, std::size_t size);
  // Handles every complete frame at the front of [data, data+size) and
  // returns how many bytes that was.
  std::size_t consume_frames(unsigned char* data, std::size_t size);
  // _Fail the WebSocket Connection_ (RFC 6455 7.1.7): close frame, then TCP.
  void fail(std::uint16_t code, std::string reason);
  void handle_message(std::string_view text, bool binary);
  void handle_close(std::string_view payload);
  void queue_bytes(std::string_view frame);
  // Writes queued frames until done or the socket is full (then waits for
  // it to drain); handles a written close frame.
  void write_next();
  void write_tls();
  // Queues the pending close frame once the queue has drained; false if
  // the socket had to be shut instead.
  bool stage_close_frame();
  void after_close_written();
  void begin_close(natter::CloseCode code, std::string reason, bool drop_queue);
  // Closes the socket, then ends the session.
  void shut_socket();
  // The socket is gone: leave the sweep, close the broker's port once.
  void end_session();

  WsServer& server_;
  IoThread& thread_;
  const WsSettings& settings_;
  // Everything from here on: I/O thread only.
  int fd_;  // -1 once closed
  // A frame split across reads; empty (no memory) for an idle connection,
  // which reads into its thread's scratch buffer instead.
  std::string partial_;
  std::chrono::steady_clock::time_point last_read_, last_ping_;
  std::chrono::steady_clock::time_point close_deadline_{};  // set once our close frame is out

  natter::SessionPort* port_ = nullptr;  // null before start() or after close
  std::shared_ptr<WsConnection> broker_hold_;  // keeps us alive until detached()

  std::unique_ptr<TlsChannel> tls_;  // null on a plain listener
  // TLS: bytes taken from queue_ to encrypt, written up to tls_written_;
  // whole until then, as OpenSSL wants a write it refused repeated.
  std::string tls_out_;
  std::size_t tls_written_ = 0;
  bool tls_out_ends_with_close_ = false;
  bool read_wants_writable_ = false;  // TLS: a read waits for EPOLLOUT

  FrameQueue queue_;  // what the client has yet to receive
  std::string message_;  // a fragmented message being assembled
  std::optional<std::string> pending_close_;  // sent once the queue has drained
  bool flush_promised_ = false;   // enqueue() returned true, flush() not yet run
  bool waiting_writable_ = false;  // the socket was full; a wait is pending
  bool in_message_ = false;
  bool message_binary_ = false;
  // After a failure or the peer's close, input is read and dropped: a read
  // stays pending so that closing the socket always ends the session.
  bool discarding_ = false;
  bool teardown_after_close_ = false;
  bool close_queued_ = false;
  bool close_sent_ = false;
  bool close_received_ = false;
};

}  // namespace natter::ws
