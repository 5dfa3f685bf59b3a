#include "runtime/logging.hpp"

#include <cstdlib>

#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

namespace natter::runtime {

void init_logging() {
  auto logger = spdlog::stderr_logger_mt("natter");
  // journald adds its own timestamps; a terminal user wants them in line.
  logger->set_pattern(std::getenv("JOURNAL_STREAM") ? "%l: %v" : "%Y-%m-%d %H:%M:%S.%e %l: %v");
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
