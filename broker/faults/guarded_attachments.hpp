#pragma once
// The attachments plugin as the broker sees it: each URL it signs goes
// through its FaultGuard, and one that failed (unavailable) is asked again,
// since signing the same request twice is harmless. Attachments always fail
// closed: without the plugin there is no URL to give (`unavailable`).
// issued_for is quick and local, so it goes straight through.
//
// Ownership: borrows the plugin and the guard, which outlive it. Any thread.

#include <natter/attachments.hpp>

#include "faults/fault_guard.hpp"

namespace natter::faults {

class GuardedAttachments final : public natter::Attachments {
 public:
  GuardedAttachments(natter::Attachments& plugin, FaultGuard& guard) : plugin_(plugin), guard_(guard) {}

  bool start(natter::Diagnostic& error) noexcept override { return plugin_.start(error); }
  void stop() noexcept override { plugin_.stop(); }
  void upload(const natter::UploadRequest& request, natter::PresignDone& done) noexcept override;
  bool issued_for(std::string_view room, std::string_view key) noexcept override {
    return plugin_.issued_for(room, key);
  }
  void download(std::string_view room, std::string_view key, natter::PresignDone& done) noexcept override;

 private:
  natter::Attachments& plugin_;
  FaultGuard& guard_;
};

}  // namespace natter::faults
