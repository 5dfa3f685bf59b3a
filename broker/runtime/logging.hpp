#pragma once
// Process-wide logging to stderr, in a form journald reads well.

#include <memory>
#include <string_view>

#include <natter/host.hpp>
#include <spdlog/logger.h>

namespace natter::runtime {

// Sets up the "natter" logger; call once, early in main(). Under journald
// (JOURNAL_STREAM set) lines carry no timestamp and no colour.
void init_logging();

// Returns false for an unknown name.
bool set_log_level(std::string_view level);

spdlog::logger& log();

spdlog::level::level_enum to_spdlog(natter::LogLevel level);

}  // namespace natter::runtime
