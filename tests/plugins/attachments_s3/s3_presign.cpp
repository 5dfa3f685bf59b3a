// Prints what attachments_s3 signs for one file, at a fixed time, as
// "upload <url> <key>" and "download <url> <key>" lines, for test_botocore.py to
// set beside python3-botocore's URLs for the same requests.
// Usage: s3_presign UNIX_SECONDS ROOM NAME TYPE SIZE [KEY=VALUE...]
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include "plugin_harness.hpp"
#include "s3_attachments.hpp"

namespace {

// Prints one answer as a line, keeping the key it names.
struct Print final : natter::PresignDone {
  explicit Print(const char* what) : what_(what) {}
  void presigned(const natter::PresignedRequest& r) noexcept override {
    std::cout << what_ << " " << r.url << " " << r.key << "\n";
    key = r.key;
  }
  void refused(natter::Status status) noexcept override {
    std::cerr << what_ << " refused: " << status.detail << "\n";
    std::exit(1);
  }
  std::string key;

 private:
  const char* what_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 6) {
    std::cerr << "usage: s3_presign UNIX_SECONDS ROOM NAME TYPE SIZE [KEY=VALUE...]\n";
    return 2;
  }
  std::map<std::string, std::string> values;
  for (int i = 6; i < argc; ++i) {
    const std::string pair = argv[i];
    values[pair.substr(0, pair.find('='))] = pair.substr(pair.find('=') + 1);
  }
  try {
    natter::conformance::TestHost host;
    natter::conformance::TestConfig config(natter::s3::S3Attachments::keys(), values);
    const auto at = std::chrono::system_clock::time_point(std::chrono::seconds(std::atoll(argv[1])));
    natter::s3::S3Attachments s3(host, config, [at] { return at; });
    Print upload("upload");
    s3.upload({argv[2], "someone", argv[3], argv[4], std::strtoull(argv[5], nullptr, 10)}, upload);
    Print download("download");
    s3.download(argv[2], upload.key, download);
  } catch (const std::exception& e) {
    std::cerr << e.what() << "\n";
    return 1;
  }
  return 0;
}
