#include "s3_attachments.hpp"

#include <openssl/rand.h>

namespace natter::s3 {

namespace {

// A media type as RFC 6838 spells one: type "/" subtype, of token characters.
bool media_type_ok(std::string_view type) {
  auto token = [](std::string_view part) {
    if (part.empty() || part.size() > 127) return false;
    for (unsigned char c : part) {
      const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      std::string_view("!#$&^_.+-").find(static_cast<char>(c)) != std::string_view::npos;
      if (!ok) return false;
    }
    return true;
  };
  const auto slash = type.find('/');
  return slash != std::string_view::npos && token(type.substr(0, slash)) && token(type.substr(slash + 1));
}

// The file's name as a key's last part: letters, digits, '.', '-' and
// '_' kept, anything else '_', at most 100 bytes.
std::string key_safe(std::string_view name) {
  std::string out;
  for (unsigned char c : name) {
    if (out.size() == 100) break;
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '-' || c == '_';
    out.push_back(ok ? static_cast<char>(c) : '_');
  }
  if (out.empty() || out.find_first_not_of('.') == std::string::npos) out = "file";
  return out;
}

std::string random_hex(std::size_t bytes) {
  unsigned char raw[32];
  if (bytes > sizeof raw || RAND_bytes(raw, static_cast<int>(bytes)) != 1) throw std::runtime_error("no randomness");
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < bytes; ++i) {
    out.push_back(kDigits[raw[i] >> 4]);
    out.push_back(kDigits[raw[i] & 0xf]);
  }
  return out;
}

}  // namespace

S3Attachments::S3Attachments(natter::Host& host, const natter::PluginConfig& config, Clock clock)
    : host_(host),
      config_(config),
      clock_(clock ? std::move(clock) : Clock([] { return std::chrono::system_clock::now(); })),
      uploads_(host.counter("uploads_total", "Upload URLs signed")),
      downloads_(host.counter("downloads_total", "Download URLs signed")),
      refused_(host.counter("refused_total", "Uploads refused for their size or type")) {}

bool S3Attachments::start(natter::Diagnostic&) noexcept {
  const ObjectAddress example = config_.address(config_.key_prefix + "...");
  host_.log(natter::LogLevel::info,
            "signing URLs for " + example.url + " (" + (config_.path_style ? "path" : "virtual-host") +
                " style, region " + config_.region + "); files up to " + std::to_string(config_.max_size_bytes) +
                " bytes");
  return true;
}

std::string S3Attachments::room_prefix(std::string_view room) const {
  // A token, not the name: room names may hold anything, and keys should not
  // tell who talks where. 128 bits of SHA-256 keep rooms apart.
  return config_.key_prefix + sha256_hex(room).substr(0, 32) + "/";
}

bool S3Attachments::issued_for(std::string_view room, std::string_view key) noexcept {
  try {
    const std::string prefix = room_prefix(room);
    // The prefix, a random part, '/', a name: nothing that climbs out.
    return key.starts_with(prefix) && key.size() > prefix.size() &&
           key.find("..", prefix.size()) == std::string_view::npos &&
           key.substr(prefix.size()).find('/') != std::string_view::npos;
  } catch (...) {
    return false;
  }
}

void S3Attachments::upload(const natter::UploadRequest& r, natter::PresignDone& done) noexcept {
  try {
    if (r.size > config_.max_size_bytes) {
      refused_.add(1);
      const std::string why = "the file is " + std::to_string(r.size) + " bytes; this server takes files of up to " +
                              std::to_string(config_.max_size_bytes) + " bytes";
      return done.refused({natter::ErrorCode::bad_request, why});
    }
    if (!media_type_ok(r.type)) {
      refused_.add(1);
      return done.refused({natter::ErrorCode::bad_request,
                           "'" + std::string(r.type) + "' is not a media type like \"image/png\""});
    }
    if (!config_.type_allowed(r.type)) {
      refused_.add(1);
      return done.refused({natter::ErrorCode::bad_request,
                           "files of type '" + std::string(r.type) + "' may not be shared here"});
    }
    const std::string key = room_prefix(r.room) + random_hex(16) + "/" + key_safe(r.name);
    presign("PUT", key, {{"Content-Type", std::string(r.type)}, {"Content-Length", std::to_string(r.size)}},
            config_.upload_expires_s, done);
    uploads_.add(1);
  } catch (const std::exception& e) {
    done.refused({natter::ErrorCode::internal, e.what()});
  }
}

void S3Attachments::download(std::string_view room, std::string_view key, natter::PresignDone& done) noexcept {
  try {
    if (!issued_for(room, key)) return done.refused({natter::ErrorCode::not_found, "no such file in this room"});
    presign("GET", std::string(key), {}, config_.download_expires_s, done);
    downloads_.add(1);
  } catch (const std::exception& e) {
    done.refused({natter::ErrorCode::internal, e.what()});
  }
}

void S3Attachments::presign(std::string_view method, const std::string& key, Pairs headers, std::uint32_t expires_s,
                            natter::PresignDone& done) {
  const ObjectAddress address = config_.address(key);
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(clock_().time_since_epoch()).count();
  const Scope scope{amz_date(now), config_.region, "s3"};
  Pairs signed_headers = headers;
  signed_headers.emplace_back("host", address.host);
  const std::string query = presigned_query({std::string(method), address.path, {}, signed_headers, "UNSIGNED-PAYLOAD"},
                                            config_.credentials, scope, expires_s);
  const std::string url = address.url + "?" + query;
  std::vector<natter::HttpHeader> header_views;
  for (const auto& [name, value] : headers) header_views.push_back({name, value});
  done.presigned({method, url, key, (now + expires_s) * 1000, header_views});
}

}  // namespace natter::s3
