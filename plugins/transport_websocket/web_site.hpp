#pragma once
// The static site the WebSocket transport serves beside its endpoint (by
// default the chat page installed with natter): every regular file under
// a directory, read once at start and answered from memory, so a request
// never touches the file system and no path can reach outside it. Each
// file is served at its path below the directory, index.html also at "/"
// (and a directory's index.html at its path with a trailing "/").
// Answers are complete HTTP/1.1 responses that close the connection, with
// an ETag (a 304 for a matching If-None-Match), Cache-Control no-cache so
// a browser revalidates after an upgrade, and headers that keep the page
// to itself: a Content-Security-Policy allowing only its own scripts,
// styles and WebSocket, no framing, no sniffing, no referrer. Immutable
// after load; any thread.

#include <map>
#include <string>
#include <string_view>

namespace natter::ws {

class WebSite {
 public:
  // Reads the site under `root`; throws std::runtime_error naming what
  // could not be read (a missing directory, an unreadable file).
  explicit WebSite(const std::string& root);

  // The answer to `method` (GET and HEAD are served; others get 405) of
  // `target` (a request target; its query is ignored) with the request's
  // If-None-Match (may be empty): the file, a 304, or a 404.
  std::string answer(std::string_view method, std::string_view target, std::string_view if_none_match) const;

  std::size_t files() const noexcept { return files_.size(); }

 private:
  struct File {
    std::string content_type;
    std::string etag;
    std::string body;
  };
  std::map<std::string, File, std::less<>> files_;  // by URL path
};

}  // namespace natter::ws
