#include "ws_connection.hpp"

#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <boost/asio/post.hpp>

#include "io_thread.hpp"
#include "protocol_codec.hpp"
#include "ws_frames.hpp"
#include "ws_server.hpp"

namespace natter::ws {

namespace asio = boost::asio;

namespace {

constexpr std::uint16_t kProtocolError = 1002;

}  // namespace

WsConnection::WsConnection(WsServer& server, IoThread& thread, int fd)
    : server_(server), thread_(thread), settings_(server.settings()), fd_(fd) {}

WsConnection::~WsConnection() {
  if (fd_ >= 0) ::close(fd_);
}

void WsConnection::start(Upgraded upgraded) {
  tls_ = std::move(upgraded.tls);  // before anything is written, even a refusal's close frame
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);  // reads drain the socket until it would block
  last_read_ = last_ping_ = std::chrono::steady_clock::now();
  auto self = shared_from_this();
  thread_.watch(self);
  if (!thread_.register_socket(fd_, *this)) {
    shut_socket();
    return;
  }
  if (!server_.admit(self)) {
    begin_close(natter::CloseCode::going_away, "server shutting down", true);
    return;
  }
  broker_hold_ = self;
  port_ = server_.broker().open_session(
      *this, {"websocket", upgraded.remote_address, upgraded.user, upgraded.token});
  take_input(upgraded.early_bytes.data(), upgraded.early_bytes.size());
  // What TLS already took off the socket raises no edge in epoll: read it now.
  if (tls_) on_readable();
}

void WsConnection::on_events(std::uint32_t events) {
  if (fd_ < 0) return;  // closed earlier in the same batch of events
  auto self = shared_from_this();  // closing may let go of the last other hold
  const bool writable = events & EPOLLOUT;
  if ((events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) || (writable && read_wants_writable_)) {
    read_wants_writable_ = false;
    on_readable();
  }
  // A TLS write may wait on a read (a key update); any readiness retries it.
  if (fd_ >= 0 && waiting_writable_ && (writable || tls_)) {
    waiting_writable_ = false;
    write_next();
  }
}

void WsConnection::on_readable() {
  // Edge-triggered: drain the socket. Reading into the thread's scratch
  // buffer means an idle connection holds no read memory.
  if (tls_) return read_tls();
  thread_local std::vector<char> scratch(64 * 1024);
  while (fd_ >= 0) {
    const ssize_t n = ::read(fd_, scratch.data(), scratch.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (n <= 0) {
      shut_socket();  // the peer went away
      return;
    }
    last_read_ = std::chrono::steady_clock::now();
    take_input(scratch.data(), static_cast<std::size_t>(n));
  }
}

void WsConnection::read_tls() {
  thread_local std::vector<char> scratch(64 * 1024);
  while (fd_ >= 0) {
    const auto io = tls_->read(scratch.data(), scratch.size());
    switch (io.status) {
      case TlsChannel::Status::done:
        last_read_ = std::chrono::steady_clock::now();
        take_input(scratch.data(), io.bytes);
        break;
      case TlsChannel::Status::want_read:
        return;
      case TlsChannel::Status::want_write:
        read_wants_writable_ = true;
        return;
      case TlsChannel::Status::closed:
      case TlsChannel::Status::failed:
        shut_socket();  // close_notify, a reset, or a broken record
        return;
    }
  }
}

void WsConnection::take_input(char* data, std::size_t size) {
  if (partial_.empty()) {
    const std::size_t used = consume_frames(reinterpret_cast<unsigned char*>(data), size);
    partial_.assign(data + used, size - used);
    return;
  }
  partial_.append(data, size);
  const std::size_t used = consume_frames(reinterpret_cast<unsigned char*>(partial_.data()), partial_.size());
  partial_.erase(0, used);
}

void WsConnection::fail(std::uint16_t code, std::string reason) {
  discarding_ = true;
  teardown_after_close_ = true;
  begin_close(natter::CloseCode(code), std::move(reason), true);
}

std::size_t WsConnection::consume_frames(unsigned char* data, const std::size_t size) {
  std::size_t at = 0;
  while (true) {
    if (discarding_) return size;
    ClientFrame frame;
    const FrameStatus status = parse_client_header(data + at, size - at, frame);
    if (status == FrameStatus::need_more) return at;
    if (status == FrameStatus::protocol_error) {
      fail(kProtocolError, "WebSocket protocol error");
      return size;
    }
    const bool data_frame = frame.opcode == Opcode::text || frame.opcode == Opcode::binary ||
                            frame.opcode == Opcode::continuation;
    if (data_frame && message_.size() + frame.payload_bytes > settings_.max_message_bytes) {
      fail(1009, "message too big");  // refused before it is buffered
      return size;
    }
    const std::size_t frame_bytes = frame.header_bytes + static_cast<std::size_t>(frame.payload_bytes);
    if (size - at < frame_bytes) return at;
    unsigned char* payload = data + at + frame.header_bytes;
    unmask(payload, static_cast<std::size_t>(frame.payload_bytes), frame.mask);
    const std::string_view body(reinterpret_cast<const char*>(payload), static_cast<std::size_t>(frame.payload_bytes));
    switch (frame.opcode) {
      case Opcode::ping: {
        std::string pong;
        append_server_header(pong, Opcode::pong, body.size());
        pong.append(body);
        queue_bytes(pong);
        break;
      }
      case Opcode::pong:
        break;
      case Opcode::close:
        handle_close(body);
        break;
      case Opcode::continuation:
        if (!in_message_) {
          fail(kProtocolError, "continuation without a message");
          return size;
        }
        message_.append(body);
        if (frame.fin) {
          in_message_ = false;
          handle_message(message_, message_binary_);
          message_.clear();
        }
        break;
      case Opcode::text:
      case Opcode::binary:
        if (in_message_) {
          fail(kProtocolError, "new message inside a fragmented one");
          return size;
        }
        if (frame.fin) {
          handle_message(body, frame.opcode == Opcode::binary);  // the common case: no copy
        } else {
          in_message_ = true;
          message_binary_ = frame.opcode == Opcode::binary;
          message_.assign(body);
        }
        break;
    }
    at += frame_bytes;
  }
}

void WsConnection::handle_message(std::string_view text, bool binary) {
  if (close_queued_) return;
  if (binary) return fail(1003, "natter.v1 uses text frames");
  if (!valid_utf8(text)) return fail(1007, "invalid UTF-8 in a text frame");
  DecodedCommand decoded;
  decode_command(text, decoded);
  if (decoded.error.empty()) {
    if (port_) port_->submit(decoded.command);
    return;
  }
  server_.broker().count_bad_request();
  const std::string json = encode_error(decoded.ref, natter::ErrorCode::bad_request, decoded.error);
  std::string frame;
  append_server_header(frame, Opcode::text, json.size());
  queue_bytes(frame + json);
}

void WsConnection::handle_close(std::string_view payload) {
  close_received_ = true;
  discarding_ = true;
  if (close_sent_) {
    shut_socket();  // our close was answered: the handshake is complete
    return;
  }
  // Echo the client's code (RFC 6455 5.5.1), then the server closes TCP.
  std::uint16_t code = 1000;
  if (payload.size() >= 2) code = static_cast<std::uint16_t>((static_cast<unsigned char>(payload[0]) << 8) |
                                                              static_cast<unsigned char>(payload[1]));
  // Codes that must not appear on the wire (no status, abnormal, TLS) get 1000.
  if (code < 1000 || code == 1005 || code == 1006 || code == 1015) code = 1000;
  begin_close(natter::CloseCode(code), "", true);
}

void WsConnection::end_session() {
  if (watch_slot != static_cast<std::size_t>(-1)) thread_.unwatch(*this);
  if (!port_) return;
  std::exchange(port_, nullptr)->close();
  server_.session_closed(this);
}

void WsConnection::deliver(const natter::SharedEvent& event) noexcept {
  natter::ClientLink* self = this;
  thread_.deliver({&self, 1}, event, true);
}

std::span<const std::byte> WsConnection::frame_of(const natter::SharedEvent& event) noexcept {
  return event.encoded(FrameEncoder::instance());
}

void WsConnection::close(natter::CloseCode code, std::string_view reason) noexcept {
  try {
    thread_.run_after_queued([self = shared_from_this(), code, reason = std::string(reason)] {
      self->begin_close(code, reason, false);
    });
  } catch (...) {
  }
}

void WsConnection::begin_close(natter::CloseCode code, std::string reason, bool drop) {
  if (close_queued_) return;
  close_queued_ = true;
  if (drop) queue_.drop_unstarted();
  message_.clear();
  pending_close_ = close_frame(static_cast<std::uint16_t>(code), reason);
  write_next();
}

void WsConnection::shut_socket() {
  if (fd_ < 0) return;
  if (tls_) tls_->close_notify();
  ::shutdown(fd_, SHUT_RDWR);
  ::close(std::exchange(fd_, -1));  // which also takes it out of the thread's epoll set
  end_session();
}

void WsConnection::heartbeat(std::chrono::steady_clock::time_point now) {
  // Empty at the sweep: give the queue's capacity back (an idle connection holds none).
  queue_.shrink_if_empty();
  if (tls_written_ == tls_out_.size()) {
    std::string().swap(tls_out_);
    tls_written_ = 0;
  }
  if (close_deadline_ != std::chrono::steady_clock::time_point{}) {
    if (now >= close_deadline_) abort();
    return;
  }
  if (!port_ || close_queued_) return;
  const auto silent = now - last_read_;
  if (silent >= std::chrono::milliseconds(settings_.idle_timeout_ms)) {
    abort();  // idle: no frame, not even a pong
    return;
  }
  if (silent >= std::chrono::milliseconds(settings_.ping_interval_ms) &&
      now - last_ping_ >= std::chrono::milliseconds(settings_.ping_interval_ms)) {
    last_ping_ = now;
    std::string ping;
    append_server_header(ping, Opcode::ping, 0);
    queue_bytes(ping);
  }
}

void WsConnection::detached() noexcept {
  try {
    // After the drain of what the broker queued for us: that drain still uses us.
    thread_.run_after_queued([self = shared_from_this()] { self->broker_hold_.reset(); });
  } catch (...) {
  }
}

void WsConnection::abort() noexcept {
  try {
    asio::post(thread_.context(), [self = shared_from_this()] { self->shut_socket(); });
  } catch (...) {
  }
}

}  // namespace natter::ws
