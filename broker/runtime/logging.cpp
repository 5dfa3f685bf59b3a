#include "runtime/logging.hpp"

#include <cstdlib>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace natter::runtime {

namespace {

// "<3>" and friends: journald reads a line's syslog priority from this
// prefix (SyslogLevelPrefix=), so `journalctl -p warning` works.
class SyslogPriority final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&, spdlog::memory_buf_t& dest) override {
    static constexpr const char* kPriority[] = {"<7>", "<7>", "<6>", "<4>", "<3>", "<2>", "<6>"};
    const auto level = static_cast<std::size_t>(msg.level);
    const char* prefix = level < std::size(kPriority) ? kPriority[level] : "<6>";
    dest.append(prefix, prefix + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override { return std::make_unique<SyslogPriority>(); }
};

}  // namespace

void init_logging() {
  auto logger = spdlog::stderr_logger_mt("natter");
  // journald adds its own timestamps and reads the priority prefix; a
  // terminal user wants a timestamp in line instead.
  if (std::getenv("JOURNAL_STREAM")) {
    auto formatter = std::make_unique<spdlog::pattern_formatter>();
    formatter->add_flag<SyslogPriority>('*').set_pattern("%*%l: %v");
    logger->set_formatter(std::move(formatter));
  } else {
    logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %l: %v");
  }
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

bool set_log_level(std::string_view level) {
  auto parsed = spdlog::level::from_str(std::string(level));
  if (parsed == spdlog::level::off && level != "off") return false;
  log().set_level(parsed);
  return true;
}

spdlog::logger& log() { return *spdlog::default_logger_raw(); }

spdlog::level::level_enum to_spdlog(natter::LogLevel level) {
  switch (level) {
    case natter::LogLevel::trace: return spdlog::level::trace;
    case natter::LogLevel::debug: return spdlog::level::debug;
    case natter::LogLevel::info: return spdlog::level::info;
    case natter::LogLevel::warn: return spdlog::level::warn;
    case natter::LogLevel::error: return spdlog::level::err;
  }
  return spdlog::level::info;
}

}  // namespace natter::runtime
