#pragma once
// attachments_s3's settings, read once from its config table, and where a
// key of the bucket lives as a URL: path style
// (https://endpoint/bucket/key) or virtual-host style
// (https://bucket.endpoint/key). Immutable after construction; any thread.

#include <cstdint>
#include <string>
#include <vector>

#include <natter/plugin.hpp>

#include "sigv4.hpp"

namespace natter::s3 {

struct ObjectAddress {
  std::string url;   // to request, without the query
  std::string host;  // the Host header the URL implies (signed)
  std::string path;  // the path SigV4 canonicalises, unencoded
};

class S3Config {
 public:
  // Throws natter::ConfigError naming the key at fault.
  explicit S3Config(const natter::PluginConfig& config);

  static std::span<const natter::ConfigKey> keys();

  ObjectAddress address(std::string_view key) const;
  // Whether config lets a file of media type `type` be shared.
  bool type_allowed(std::string_view type) const;

  Credentials credentials;
  std::string region;
  std::string bucket;
  std::string key_prefix;
  std::uint64_t max_size_bytes = 0;
  std::vector<std::string> allowed_types;  // "image/png", "image/*"; empty: any
  std::uint32_t upload_expires_s = 0, download_expires_s = 0;
  bool path_style = false;

 private:
  std::string scheme_;  // "https" or "http"
  std::string host_;    // the endpoint's host[:port]
  std::string base_path_;  // the endpoint's path, if any, without a trailing '/'
};

}  // namespace natter::s3
