#pragma once
// What other nodes tell this one, applied here: a message reaches the
// room's members on this node; a room event (joined, left,
// room_deleted, read, edited, deleted) does what it did on its own node to
// the sessions here, without telling anyone else again; typing joins the
// room's list; an invitation in the room state reaches the invited
// user's devices here; a direct message that reached its recipient here is
// receipted back to the sender's nodes; room state changes enter the catalog, and a direct room
// made elsewhere takes in its users' sessions here; a node's presence
// news goes to Presence. Loop thread only.

#include <vector>

#include "chat/bus_codec.hpp"
#include "chat/cluster_bus.hpp"
#include "chat/membership.hpp"
#include "chat/message_edits.hpp"
#include "chat/presence.hpp"
#include "chat/read_markers.hpp"
#include "chat/room_admin.hpp"
#include "chat/room_delivery.hpp"
#include "chat/typing.hpp"

namespace natter::chat {

struct RemoteEventsParts {
  RoomCatalog& catalog;
  RoomDirectory& rooms;
  SessionTable& sessions;
  Outbox& outbox;
  RoomDelivery& delivery;
  ClusterBus& bus;
  Typing& typing;
  Membership& membership;
  RoomAdmin& admin;
  ReadMarkers& reads;
  MessageEdits& edits;
  Presence& presence;
};

class RemoteEvents {
 public:
  // Borrows everything; all of it outlives the service.
  RemoteEvents(const config::BrokerSettings& settings, RemoteEventsParts parts) : settings_(settings), parts_(parts) {}

  void apply(const Envelope& envelope);

 private:
  void event(const BusEvent& event);
  void state(const std::vector<BusStateChange>& changes);

  const config::BrokerSettings& settings_;
  RemoteEventsParts parts_;
};

}  // namespace natter::chat
