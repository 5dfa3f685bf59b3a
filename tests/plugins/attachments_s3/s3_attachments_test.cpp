// attachments_s3 as the broker calls it: what it signs, for how long,
// and what it refuses.
#include "s3_attachments.hpp"

#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <optional>

#include <gtest/gtest.h>

#include "plugin_harness.hpp"

namespace natter::s3 {
namespace {

struct Answer final : natter::PresignDone {
  void presigned(const natter::PresignedRequest& r) noexcept override {
    method = r.method;
    url = r.url;
    key = r.key;
    expires_at_ms = r.expires_at_ms;
    for (const auto& h : r.headers) headers.emplace_back(h.name, h.value);
  }
  void refused(natter::Status status) noexcept override {
    code = status.code;
    detail = status.detail;
  }
  std::string method, url, key, detail;
  std::int64_t expires_at_ms = 0;
  Pairs headers;
  std::optional<natter::ErrorCode> code;
};

class S3AttachmentsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    secret_path_ = ::testing::TempDir() + "s3-secret-" + std::to_string(getpid());
    std::ofstream(secret_path_) << "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n";
  }
  void TearDown() override { std::remove(secret_path_.c_str()); }

  std::unique_ptr<S3Attachments> make(std::map<std::string, std::string> values) {
    values.emplace("bucket", "chat-files");
    values.emplace("access_key_id", "AKIAIOSFODNN7EXAMPLE");
    values.emplace("secret_access_key_file", secret_path_);
    config_ = std::make_unique<natter::conformance::TestConfig>(S3Attachments::keys(), values);
    return std::make_unique<S3Attachments>(host_, *config_, [] {
      return std::chrono::system_clock::time_point(std::chrono::seconds(1369353600));  // 2013-05-24
    });
  }

  natter::conformance::TestHost host_;
  std::unique_ptr<natter::conformance::TestConfig> config_;
  std::string secret_path_;
};

TEST_F(S3AttachmentsTest, UploadSignsTypeAndSizeForConfiguredLifetime) {
  auto s3 = make({{"endpoint", "http://127.0.0.1:9000"}, {"path_style", "true"}, {"upload_expires_s", "120"}});
  Answer a;
  s3->upload({"lobby", "alice", "cat photo.png", "image/png", 1234}, a);
  ASSERT_FALSE(a.code) << a.detail;
  EXPECT_EQ(a.method, "PUT");
  EXPECT_TRUE(a.url.starts_with("http://127.0.0.1:9000/chat-files/natter/")) << a.url;
  EXPECT_TRUE(a.key.ends_with("/cat_photo.png")) << a.key;
  EXPECT_NE(a.url.find("X-Amz-SignedHeaders=content-length%3Bcontent-type%3Bhost"), std::string::npos) << a.url;
  EXPECT_NE(a.url.find("X-Amz-Expires=120&"), std::string::npos);
  EXPECT_EQ(a.expires_at_ms, (1369353600LL + 120) * 1000);
  EXPECT_EQ(a.headers, (Pairs{{"Content-Type", "image/png"}, {"Content-Length", "1234"}}));
  EXPECT_TRUE(s3->issued_for("lobby", a.key));
  EXPECT_FALSE(s3->issued_for("other", a.key));
}

TEST_F(S3AttachmentsTest, TwoUploadsOfOneNameGetTwoKeys) {
  auto s3 = make({});
  Answer a, b;
  s3->upload({"lobby", "alice", "a.png", "image/png", 1}, a);
  s3->upload({"lobby", "alice", "a.png", "image/png", 1}, b);
  EXPECT_NE(a.key, b.key);
}

TEST_F(S3AttachmentsTest, VirtualHostStyleAddressesTheBucketAsAHost) {
  auto s3 = make({{"region", "eu-west-1"}});
  Answer a;
  s3->upload({"lobby", "alice", "a.pdf", "application/pdf", 10}, a);
  ASSERT_FALSE(a.code) << a.detail;
  EXPECT_TRUE(a.url.starts_with("https://chat-files.s3.eu-west-1.amazonaws.com/natter/")) << a.url;
  EXPECT_NE(a.url.find("%2Feu-west-1%2Fs3%2Faws4_request"), std::string::npos);
}

TEST_F(S3AttachmentsTest, RefusesWhatConfigDoesNotAllow) {
  auto s3 = make({{"max_size_bytes", "100"}, {"allowed_types", "image/*,text/plain"}});
  Answer big, exe, junk, text;
  s3->upload({"lobby", "alice", "big.png", "image/png", 101}, big);
  s3->upload({"lobby", "alice", "x.exe", "application/x-msdownload", 10}, exe);
  s3->upload({"lobby", "alice", "x", "image/png\r\nX-Evil: 1", 10}, junk);
  s3->upload({"lobby", "alice", "notes.txt", "text/plain", 100}, text);
  EXPECT_EQ(big.code, natter::ErrorCode::bad_request);
  EXPECT_NE(big.detail.find("up to 100 bytes"), std::string::npos) << big.detail;
  EXPECT_EQ(exe.code, natter::ErrorCode::bad_request);
  EXPECT_NE(exe.detail.find("application/x-msdownload"), std::string::npos) << exe.detail;
  EXPECT_EQ(junk.code, natter::ErrorCode::bad_request);
  EXPECT_FALSE(text.code) << text.detail;
}

TEST_F(S3AttachmentsTest, DownloadSignsOnlyKeysOfTheRoom) {
  auto s3 = make({{"download_expires_s", "60"}});
  Answer up, down, foreign;
  s3->upload({"lobby", "alice", "a.png", "image/png", 5}, up);
  s3->download("lobby", up.key, down);
  ASSERT_FALSE(down.code) << down.detail;
  EXPECT_EQ(down.method, "GET");
  EXPECT_NE(down.url.find("X-Amz-SignedHeaders=host&"), std::string::npos) << down.url;
  EXPECT_TRUE(down.headers.empty());
  s3->download("elsewhere", up.key, foreign);
  EXPECT_EQ(foreign.code, natter::ErrorCode::not_found);
  EXPECT_FALSE(s3->issued_for("lobby", "natter/../../etc/passwd"));
}

TEST_F(S3AttachmentsTest, BadConfigNamesTheKey) {
  EXPECT_THROW(make({{"endpoint", "ftp://x"}}), natter::ConfigError);
  EXPECT_THROW(make({{"upload_expires_s", "604801"}}), natter::ConfigError);
  EXPECT_THROW(make({{"allowed_types", "png"}}), natter::ConfigError);
  EXPECT_THROW(make({{"secret_access_key_file", "/nonexistent/secret"}}), natter::ConfigError);
}

}  // namespace
}  // namespace natter::s3
