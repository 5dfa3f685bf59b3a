#pragma once
// Read markers: how far each member has read in each room, one marker per
// user (so it is the same on every device), only ever moving forward, and
// stored with the room. Setting it tells the user's devices in the room,
// and the room's other sessions (the authors among them learn their
// message was read) where the room is small enough to announce. Room
// names reach it validated. Loop thread only.

#include "chat/membership.hpp"

namespace natter::chat {

class ReadMarkers {
 public:
  // Borrows everything; all of it outlives the service.
  ReadMarkers(const config::BrokerSettings& settings, MembershipParts parts)
      : settings_(settings), parts_(parts) {}

  // The `read` op: answers `read` (with the marker as it now stands).
  void read(Session& session, const OwnedCommand& command);
  // Another node moved `user`'s marker (its catalog change came on the
  // state topic): tells the sessions here that would have heard it.
  void heard(const std::string& room, const std::string& user, std::uint64_t id) { tell(nullptr, room, user, id, {}); }

 private:
  void tell(Session* asker, const std::string& room, const std::string& user, std::uint64_t id,
            std::string_view ref);

  const config::BrokerSettings& settings_;
  MembershipParts parts_;
};

}  // namespace natter::chat
