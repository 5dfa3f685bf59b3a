// WsConnection's way out: queuing frames and writing them, gathered on a
// plain socket or batched through TLS, with the close frame last. The rest
// of the connection is in ws_connection.cpp.
#include "ws_connection.hpp"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>

#include "ws_server.hpp"

namespace natter::ws {

namespace {

// Frames per gathered write; bounded so one slow syscall moves a useful
// amount without building a huge iovec (and within IOV_MAX).
constexpr std::size_t kMaxFramesPerWrite = 256;
// Plaintext per TLS write: four full records, so a burst of small frames
// is encrypted a record at a time, not a frame at a time.
constexpr std::size_t kTlsBatchBytes = 4 * 16 * 1024;

}  // namespace

bool WsConnection::enqueue(FrameRun& run) {
  if (close_queued_) return false;
  try {
    queue_.push_run(run);
  } catch (...) {
    return false;  // out of memory: missed, as by a lagging client
  }
  return !std::exchange(flush_promised_, true);
}

void WsConnection::flush() {
  flush_promised_ = false;
  if (close_queued_) return;
  if (queue_.size() > settings_.max_outbound_queue) {
    server_.lagging_disconnects().add(1);
    begin_close(natter::CloseCode::policy,
                "client too slow: more than " + std::to_string(settings_.max_outbound_queue) + " events queued", true);
    return;
  }
  write_next();
}

void WsConnection::queue_bytes(std::string_view frame) {
  if (close_queued_) return;
  if (queue_.push_own(frame, false)) write_next();  // else out of memory: as if lost on the way
}

bool WsConnection::stage_close_frame() {
  if (!queue_.empty() || !pending_close_) return true;
  const bool queued = queue_.push_own(*pending_close_, true);
  pending_close_.reset();
  if (!queued) shut_socket();  // out of memory for the close frame: close without it
  return queued;
}

void WsConnection::write_next() {
  if (tls_) return write_tls();
  while (fd_ >= 0 && !waiting_writable_ && !close_sent_) {
    if (!stage_close_frame() || queue_.empty()) return;
    thread_local iovec parts[kMaxFramesPerWrite];
    std::size_t bytes = 0;
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = queue_.gather(parts, kMaxFramesPerWrite, bytes);
    const ssize_t written = ::sendmsg(fd_, &message, MSG_NOSIGNAL);
    if (written < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) break;
      shut_socket();  // the reader sees it and ends the session
      return;
    }
    if (queue_.retire(static_cast<std::size_t>(written))) {
      close_sent_ = true;
      after_close_written();
      return;
    }
    if (static_cast<std::size_t>(written) < bytes) break;  // the socket is full
  }
  if (fd_ < 0 || close_sent_ || waiting_writable_) return;
  // The socket is full: write the rest on the edge to writable (EPOLLOUT).
  waiting_writable_ = true;
}

void WsConnection::write_tls() {
  while (fd_ >= 0 && !waiting_writable_ && !close_sent_) {
    if (tls_written_ == tls_out_.size()) {
      tls_out_.clear();
      tls_written_ = 0;
      if (tls_out_ends_with_close_) {
        close_sent_ = true;
        after_close_written();
        return;
      }
      if (!stage_close_frame() || queue_.empty()) return;
      // Copy up to a few TLS records' worth of frames: one SSL_write each.
      thread_local iovec parts[kMaxFramesPerWrite];
      std::size_t bytes = 0;
      const std::size_t count = queue_.gather(parts, kMaxFramesPerWrite, bytes);
      for (std::size_t i = 0; i < count && tls_out_.size() < kTlsBatchBytes; ++i) {
        const std::size_t take = std::min(parts[i].iov_len, kTlsBatchBytes - tls_out_.size());
        tls_out_.append(static_cast<const char*>(parts[i].iov_base), take);
      }
      tls_out_ends_with_close_ = queue_.retire(tls_out_.size());
    }
    const auto io = tls_->write(tls_out_.data() + tls_written_, tls_out_.size() - tls_written_);
    switch (io.status) {
      case TlsChannel::Status::done:
        tls_written_ += io.bytes;
        break;
      case TlsChannel::Status::want_write:
      case TlsChannel::Status::want_read:
        waiting_writable_ = true;  // the rest on the next readiness
        return;
      case TlsChannel::Status::closed:
      case TlsChannel::Status::failed:
        shut_socket();
        return;
    }
  }
}

void WsConnection::after_close_written() {
  if (close_received_ || teardown_after_close_) {
    shut_socket();
    return;
  }
  // Give the client close_timeout_ms to answer (the sweep watches), then close TCP anyway.
  close_deadline_ = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(std::max<std::uint32_t>(settings_.close_timeout_ms, 100));
}

}  // namespace natter::ws
