#include "web_site.hpp"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include <boost/beast/http/status.hpp>

#include "http_answers.hpp"

namespace natter::ws {

namespace fs = std::filesystem;

namespace {

std::string content_type_of(const fs::path& file) {
  const std::string ext = file.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json" || ext == ".webmanifest") return "application/json";
  if (ext == ".txt" || ext == ".md") return "text/plain; charset=utf-8";
  return "application/octet-stream";
}

// FNV-1a over the bytes: the ETag only needs to change when they do.
std::string etag_of(std::string_view body) {
  std::uint64_t hash = 14695981039346656037ull;
  for (unsigned char c : body) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string tag = "\"";
  for (int shift = 60; shift >= 0; shift -= 4) tag += kHex[(hash >> shift) & 0xf];
  return tag + "\"";
}

// The page talks only to natter, on the same host: its own files and its
// WebSocket ('self' covers ws: and wss: of the same host in CSP 3).
constexpr std::string_view kSecurityHeaders =
    "Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'\r\n"
    "X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\nReferrer-Policy: no-referrer\r\n";

std::string head(unsigned status) {
  return "HTTP/1.1 " + std::to_string(status) + " " +
         std::string(boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(status))) +
         "\r\nServer: natter\r\n";
}

}  // namespace

WebSite::WebSite(const std::string& root) {
  std::error_code ec;
  if (!fs::is_directory(root, ec)) throw std::runtime_error("'" + root + "' is not a directory");
  for (auto it = fs::recursive_directory_iterator(root, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    std::ifstream in(it->path(), std::ios::binary);
    std::string body((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) throw std::runtime_error("cannot read '" + it->path().string() + "'");
    const std::string url = "/" + fs::relative(it->path(), root).generic_string();
    File file{content_type_of(it->path()), etag_of(body), std::move(body)};
    if (it->path().filename() == "index.html") {
      files_[url.substr(0, url.size() - std::string_view("index.html").size())] = file;
    }
    files_[url] = std::move(file);
  }
  if (ec) throw std::runtime_error("cannot read '" + root + "': " + ec.message());
}

std::string WebSite::answer(std::string_view method, std::string_view target, std::string_view if_none_match) const {
  if (method != "GET" && method != "HEAD") {
    std::string out = http_refusal(405, "natter: this page is only for reading (GET)");
    return out.insert(out.find("\r\n") + 2, "Allow: GET, HEAD\r\n");
  }
  const std::string_view path = target.substr(0, target.find_first_of("?#"));
  const auto found = files_.find(path);
  if (found == files_.end()) return http_refusal(404, "natter: no page at " + std::string(path));
  const File& file = found->second;
  std::string out;
  if (!if_none_match.empty() && if_none_match == file.etag) {
    out = head(304);
    out += "ETag: " + file.etag + "\r\nCache-Control: no-cache\r\nConnection: close\r\n\r\n";
    return out;
  }
  out = head(200);
  out += "Content-Type: " + file.content_type + "\r\nContent-Length: " + std::to_string(file.body.size()) +
         "\r\nETag: " + file.etag + "\r\nCache-Control: no-cache\r\n";
  out += kSecurityHeaders;
  out += "Connection: close\r\n\r\n";
  if (method == "GET") out += file.body;
  return out;
}

}  // namespace natter::ws
