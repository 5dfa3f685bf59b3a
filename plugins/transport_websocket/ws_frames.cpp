#include "ws_frames.hpp"

#include <cstring>

namespace natter::ws {

FrameStatus parse_client_header(const unsigned char* p, std::size_t size, ClientFrame& f) {
  if (size < 2) return FrameStatus::need_more;
  f.fin = (p[0] & 0x80) != 0;
  if (p[0] & 0x70) return FrameStatus::protocol_error;  // no extension was negotiated
  const std::uint8_t op = p[0] & 0x0f;
  if (op != 0 && op != 1 && op != 2 && op != 8 && op != 9 && op != 10) return FrameStatus::protocol_error;
  f.opcode = static_cast<Opcode>(op);
  if (!(p[1] & 0x80)) return FrameStatus::protocol_error;  // clients must mask
  std::uint64_t length = p[1] & 0x7f;
  std::size_t at = 2;
  if (length == 126) {
    if (size < 4) return FrameStatus::need_more;
    length = (std::uint64_t{p[2]} << 8) | p[3];
    at = 4;
  } else if (length == 127) {
    if (size < 10) return FrameStatus::need_more;
    length = 0;
    for (int i = 0; i < 8; ++i) length = (length << 8) | p[2 + i];
    if (length >> 63) return FrameStatus::protocol_error;
    at = 10;
  }
  if (op >= 8 && (length > 125 || !f.fin)) return FrameStatus::protocol_error;
  if (size < at + 4) return FrameStatus::need_more;
  std::memcpy(&f.mask, p + at, 4);
  f.header_bytes = at + 4;
  f.payload_bytes = length;
  return FrameStatus::complete;
}

void unmask(unsigned char* payload, std::size_t size, std::uint32_t mask, std::uint64_t offset) {
  unsigned char key[4];
  std::memcpy(key, &mask, 4);
  for (std::size_t i = 0; i < size; ++i) payload[i] ^= key[(offset + i) & 3];
}

void append_server_header(std::string& out, Opcode opcode, std::size_t n) {
  out.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(opcode)));
  if (n < 126) {
    out.push_back(static_cast<char>(n));
  } else if (n < 65536) {
    out.push_back(static_cast<char>(126));
    out.push_back(static_cast<char>(n >> 8));
    out.push_back(static_cast<char>(n & 0xff));
  } else {
    out.push_back(static_cast<char>(127));
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((static_cast<std::uint64_t>(n) >> (8 * i)) & 0xff));
  }
}

std::string close_frame(std::uint16_t code, std::string_view reason) {
  if (reason.size() > 123) reason = reason.substr(0, 123);
  std::string frame;
  append_server_header(frame, Opcode::close, 2 + reason.size());
  frame.push_back(static_cast<char>(code >> 8));
  frame.push_back(static_cast<char>(code & 0xff));
  frame.append(reason);
  return frame;
}

bool valid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    if (s[i] < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if ((s[i] & 0xe0) == 0xc0) {
      len = 2;
      cp = s[i] & 0x1f;
    } else if ((s[i] & 0xf0) == 0xe0) {
      len = 3;
      cp = s[i] & 0x0f;
    } else if ((s[i] & 0xf8) == 0xf0) {
      len = 4;
      cp = s[i] & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3f);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF.
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace natter::ws
