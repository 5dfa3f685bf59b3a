#pragma once
// The storage conformance suite: GoogleTest cases every storage plugin
// must pass, whoever wrote it. `natter-conformance storage` runs them on a
// plugin's .so; to embed them in your own test binary instead, link
// natter_storage_conformance whole (-Wl,--whole-archive) and call
// set_storage_under_test() before RUN_ALL_TESTS().
//
// The suite needs no empty database: every case writes to rooms and ids
// of its own, so it can run again and again on the same store.

#include <functional>
#include <memory>

#include <natter/storage.hpp>

namespace natter::conformance {

// The plugin under test, as the suite drives it. Single-threaded use.
class StorageUnderTest {
 public:
  virtual ~StorageUnderTest() = default;
  // Creates and starts an instance over the store's persistent state (the
  // same database every time). Fails the test on error.
  virtual natter::Storage& open() = 0;
  // Stops and destroys the instance open() returned, if any.
  virtual void close() = 0;
  // The open instance's natter::RoomState (ABI 1.5), or nullptr if the
  // plugin keeps no room state: the room state cases are then skipped.
  virtual natter::RoomState* room_state() { return nullptr; }
  // The open instance's natter::MessageRevisions and natter::UnreadCounts
  // (ABI 1.6), or nullptr: their cases are then skipped.
  virtual natter::MessageRevisions* revisions() { return nullptr; }
  virtual natter::UnreadCounts* unread_counts() { return nullptr; }
  // The open instance's natter::SentRefs (ABI 1.6), or nullptr.
  virtual natter::SentRefs* sent_refs() { return nullptr; }
  // The open instance's natter::MessageExtras (ABI 1.11), or nullptr.
  virtual natter::MessageExtras* message_extras() { return nullptr; }
};

// Called once per test case for a fresh StorageUnderTest.
void set_storage_under_test(std::function<std::unique_ptr<StorageUnderTest>()> factory);

}  // namespace natter::conformance
