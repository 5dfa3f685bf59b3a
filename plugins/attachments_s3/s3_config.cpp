#include "s3_config.hpp"

#include <fstream>
#include <sstream>

namespace natter::s3 {

namespace {

// SigV4 allows presigned URLs to live at most seven days.
constexpr std::int64_t kMaxExpiresS = 7 * 24 * 3600;

constexpr natter::ConfigKey kKeys[] = {
    {"bucket", natter::KeyType::string, nullptr, "The bucket files are put in"},
    {"region", natter::KeyType::string, "us-east-1", "The bucket's region, as signatures name it"},
    {"endpoint", natter::KeyType::string, "",
     "The store's URL (\"http://127.0.0.1:9000\" for an S3-compatible server); empty: AWS S3 in `region`"},
    {"path_style", natter::KeyType::boolean, "false",
     "Address objects as endpoint/bucket/key (most S3-compatible servers) instead of bucket.endpoint/key"},
    {"access_key_id", natter::KeyType::string, nullptr, "The access key the URLs are signed with"},
    {"secret_access_key_file", natter::KeyType::string, nullptr,
     "File holding the secret access key (its first line), readable by natterd only"},
    {"session_token", natter::KeyType::string, "", "For temporary credentials: their session token"},
    {"key_prefix", natter::KeyType::string, "natter/", "Every key natter makes starts with this"},
    {"max_size_bytes", natter::KeyType::integer, "26214400", "The largest file that may be shared (25 MiB)"},
    {"allowed_types", natter::KeyType::string_list, "image/*,audio/*,video/*,application/pdf,text/plain",
     "Media types that may be shared; \"image/*\" covers every image type; empty: any"},
    {"upload_expires_s", natter::KeyType::integer, "300", "How long an upload URL holds, in seconds"},
    {"download_expires_s", natter::KeyType::integer, "3600", "How long a download URL holds, in seconds"},
};

std::uint32_t expiry(const natter::PluginConfig& config, std::string_view key) {
  const std::int64_t value = config.get_int(key);
  if (value < 1 || value > kMaxExpiresS) {
    throw natter::ConfigError(config, key, "must be between 1 and " + std::to_string(kMaxExpiresS) +
                                               " seconds (SigV4's seven days), got " + std::to_string(value));
  }
  return static_cast<std::uint32_t>(value);
}

std::string first_line_of(const natter::PluginConfig& config, std::string_view key) {
  const std::string path(config.get_string(key));
  std::ifstream in(path);
  std::string line;
  if (!in || !std::getline(in, line)) throw natter::ConfigError(config, key, "cannot read '" + path + "'");
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  if (line.empty()) throw natter::ConfigError(config, key, "'" + path + "' holds no secret on its first line");
  return line;
}

}  // namespace

std::span<const natter::ConfigKey> S3Config::keys() { return kKeys; }

S3Config::S3Config(const natter::PluginConfig& config)
    : region(config.get_string("region")),
      bucket(config.get_string("bucket")),
      key_prefix(config.get_string("key_prefix")),
      path_style(config.get_bool("path_style")) {
  if (bucket.empty()) throw natter::ConfigError(config, "bucket", "must not be empty");
  if (region.empty()) throw natter::ConfigError(config, "region", "must not be empty");
  credentials.access_key_id = config.get_string("access_key_id");
  if (credentials.access_key_id.empty()) throw natter::ConfigError(config, "access_key_id", "must not be empty");
  credentials.secret_access_key = first_line_of(config, "secret_access_key_file");
  credentials.session_token = config.get_string("session_token");

  std::string endpoint(config.get_string("endpoint"));
  if (endpoint.empty()) endpoint = "https://s3." + region + ".amazonaws.com";
  const auto scheme_end = endpoint.find("://");
  scheme_ = scheme_end == std::string::npos ? "" : endpoint.substr(0, scheme_end);
  if (scheme_ != "https" && scheme_ != "http") {
    throw natter::ConfigError(config, "endpoint", "must start with https:// or http:// (got \"" + endpoint + "\")");
  }
  const std::string rest = endpoint.substr(scheme_end + 3);
  const auto slash = rest.find('/');
  host_ = rest.substr(0, slash);
  base_path_ = slash == std::string::npos ? "" : rest.substr(slash);
  while (!base_path_.empty() && base_path_.back() == '/') base_path_.pop_back();
  if (host_.empty()) throw natter::ConfigError(config, "endpoint", "names no host (got \"" + endpoint + "\")");
  if (!path_style && bucket.find('.') != std::string::npos && scheme_ == "https") {
    throw natter::ConfigError(config, "path_style",
                              "bucket '" + bucket + "' has dots, which no TLS certificate of a virtual host covers: "
                              "set path_style = true");
  }

  const std::int64_t max_size = config.get_int("max_size_bytes");
  if (max_size < 1) throw natter::ConfigError(config, "max_size_bytes", "must be at least 1");
  max_size_bytes = static_cast<std::uint64_t>(max_size);
  for (std::size_t i = 0; i < config.list_size("allowed_types"); ++i) {
    std::string type(config.list_item("allowed_types", i));
    if (type.find('/') == std::string::npos) {
      throw natter::ConfigError(config, "allowed_types",
                                "\"" + type + "\" is not a media type like \"image/png\" or \"image/*\"");
    }
    allowed_types.push_back(std::move(type));
  }
  upload_expires_s = expiry(config, "upload_expires_s");
  download_expires_s = expiry(config, "download_expires_s");
}

ObjectAddress S3Config::address(std::string_view key) const {
  ObjectAddress a;
  if (path_style) {
    a.host = host_;
    a.path = base_path_ + "/" + bucket + "/" + std::string(key);
  } else {
    a.host = bucket + "." + host_;
    a.path = base_path_ + "/" + std::string(key);
  }
  a.url = scheme_ + "://" + a.host + uri_encode(a.path, false);
  return a;
}

bool S3Config::type_allowed(std::string_view type) const {
  if (allowed_types.empty()) return true;
  for (const auto& allowed : allowed_types) {
    if (allowed == type) return true;
    if (allowed.ends_with("/*") && type.starts_with(std::string_view(allowed).substr(0, allowed.size() - 1))) {
      return true;
    }
  }
  return false;
}

}  // namespace natter::s3
