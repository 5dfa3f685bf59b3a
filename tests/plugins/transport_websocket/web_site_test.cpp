#include "web_site.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace natter::ws {

namespace fs = std::filesystem;

class WebSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("natter-web-" + std::to_string(::getpid()));
    fs::create_directories(root_ / "docs");
    write("index.html", "<!doctype html><p>hi</p>");
    write("app.js", "export {};");
    write("docs/index.html", "<p>docs</p>");
  }
  void TearDown() override { fs::remove_all(root_); }
  void write(const std::string& name, const std::string& text) { std::ofstream(root_ / name) << text; }

  fs::path root_;
};

TEST_F(WebSiteTest, ServesEachFileAtItsPathAndIndexAtTheDirectory) {
  const WebSite site(root_.string());
  const std::string page = site.answer("GET", "/?from=link", "");
  EXPECT_TRUE(page.starts_with("HTTP/1.1 200 OK\r\n"));
  EXPECT_NE(page.find("Content-Type: text/html; charset=utf-8\r\n"), std::string::npos);
  EXPECT_NE(page.find("Content-Security-Policy: default-src 'none'; script-src 'self'"), std::string::npos);
  EXPECT_TRUE(page.ends_with("\r\n\r\n<!doctype html><p>hi</p>"));
  EXPECT_NE(site.answer("GET", "/app.js", "").find("text/javascript"), std::string::npos);
  EXPECT_TRUE(site.answer("GET", "/docs/", "").ends_with("<p>docs</p>"));
}

TEST_F(WebSiteTest, HeadHasNoBodyAndAMatchingETagIsNotModified) {
  const WebSite site(root_.string());
  const std::string head = site.answer("HEAD", "/app.js", "");
  EXPECT_TRUE(head.ends_with("\r\n\r\n"));
  const auto at = head.find("ETag: ");
  const std::string etag = head.substr(at + 6, head.find("\r\n", at) - at - 6);
  EXPECT_TRUE(site.answer("GET", "/app.js", etag).starts_with("HTTP/1.1 304 Not Modified\r\n"));
}

TEST_F(WebSiteTest, NothingOutsideTheDirectoryAndOnlyReading) {
  const WebSite site(root_.string());
  EXPECT_TRUE(site.answer("GET", "/../../etc/passwd", "").starts_with("HTTP/1.1 404"));
  EXPECT_TRUE(site.answer("GET", "/nope.html", "").starts_with("HTTP/1.1 404"));
  const std::string post = site.answer("POST", "/", "");
  EXPECT_TRUE(post.starts_with("HTTP/1.1 405"));
  EXPECT_NE(post.find("Allow: GET, HEAD\r\n"), std::string::npos);
}

TEST(WebSite, AMissingDirectoryIsAnError) {
  EXPECT_THROW(WebSite("/nonexistent/natter/web"), std::runtime_error);
}

}  // namespace natter::ws
