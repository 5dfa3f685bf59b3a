#include "frame_run.hpp"

namespace natter::ws {

FrameRun* FrameRun::make(std::span<const natter::SharedEvent* const> events, FrameOf frame_of) {
  auto* run = new FrameRun;
  try {
    run->parts_.reserve(events.size());
    run->ends_.reserve(events.size() + 1);
    run->events_.reserve(events.size());
  } catch (...) {
    delete run;  // holds no event yet
    throw;
  }
  run->ends_.push_back(0);
  for (const natter::SharedEvent* event : events) {
    const std::span<const std::byte> frame = frame_of(*event);
    if (frame.empty()) continue;
    run->parts_.push_back({const_cast<std::byte*>(frame.data()), frame.size()});
    run->ends_.push_back(run->ends_.back() + frame.size());
  }
  run->events_.assign(events.begin(), events.end());
  return run;
}

FrameRun::~FrameRun() {
  for (const natter::SharedEvent* event : events_) event->release();
}

void FrameRun::drop_user() noexcept {
  if (--users_ == 0) delete this;
}

}  // namespace natter::ws
