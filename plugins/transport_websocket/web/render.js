// render.js: how the chat page shows its state. Plain DOM, text set with
// textContent only (nothing a user wrote is ever parsed as HTML). app.js
// owns the state and calls these after each change.

// natter's error codes (docs/protocol.md, "Error codes") as sentences.
const SENTENCES = {
  bad_request: "natter did not understand that request.",
  not_member: "You are not in this room any more; join it again.",
  rate_limited: "That was too fast; wait a moment and try again.",
  rejected: "That message was not accepted",
  unavailable: "natter could not store that just now; try again in a moment.",
  unauthorized: "Signing in was refused.",
  forbidden: "You are not allowed to do that.",
  wrong_password: "That password is not right.",
  not_invited: "This room is private: only people invited may join.",
  room_exists: "A room with that name exists already.",
  no_such_room: "There is no room with that name.",
  not_found: "That message is not there any more.",
  internal: "Something went wrong inside natter; please tell its operator.",
};

export function sentence(error) {
  const known = SENTENCES[error.code];
  if (!known) return error.message || String(error);
  if (error.code === "rejected" || error.code === "unauthorized") return `${known.slice(0, -1)}: ${error.message}`;
  if (error.code === "rate_limited" && error.retryAfterMs) {
    return `${known.slice(0, -1)} (in ${Math.ceil(error.retryAfterMs / 1000)} s).`;
  }
  return known;
}

export function directPartner(room, me) {
  const [, a, b] = room.split(":");
  return a === me ? b : a;
}

export function roomLabel(room, me) {
  return room.kind === "direct" ? directPartner(room.name, me) : room.name;
}

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// One list of rooms (rooms or direct messages) as buttons; the current
// one marked with aria-current, unread counts as badges.
export function renderRoomList(list, rooms, current, me, onPick) {
  list.replaceChildren();
  for (const room of rooms) {
    const item = element("li");
    const button = element("button", "room-button");
    button.type = "button";
    button.dataset.room = room.name;
    if (room.name === current) button.setAttribute("aria-current", "true");
    if (!room.member && room.kind !== "direct") {
      button.classList.add("not-member");
      button.title = "Not joined yet: pick it to join";
    }
    const label = element("span", "room-name", roomLabel(room, me));
    button.append(label);
    if (room.kind === "direct") {
      const online = room.partnerOnline;
      const dot = element("span", online ? "dot online" : "dot", "");
      dot.setAttribute("aria-label", online ? "online" : "offline");
      dot.setAttribute("role", "img");
      button.prepend(dot);
    } else if (room.kind && room.kind !== "public") {
      button.append(element("span", "kind", room.kind));
    }
    if (room.unread > 0) {
      const badge = element("span", "unread", room.unread >= 1000 ? "999+" : String(room.unread));
      badge.setAttribute("aria-label", `${room.unread} unread`);
      button.append(badge);
    }
    button.addEventListener("click", () => onPick(room.name));
    item.append(button);
    list.append(item);
  }
}

function timeOf(ms) {
  const when = new Date(ms);
  const node = element("time", "ts", when.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
  node.dateTime = when.toISOString();
  node.title = when.toLocaleString();
  return node;
}

// The room's messages, oldest first; the sender's own get Edit and Delete
// (or the owner's delete on anyone's). `editing`: the id being edited.
export function renderMessages(list, room, me, { editing, onEdit, onDelete, onSaveEdit, onCancelEdit }) {
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren();
  for (const m of room.messages) {
    const system = m.from === ""; // sent by the operator (natterctl broadcast)
    const item = element("li", system ? "message system" : m.from === me ? "message mine" : "message");
    item.dataset.id = m.id;
    const head = element("div", "meta");
    head.append(element("span", "from", system ? "natter" : m.from), timeOf(m.ts));
    if (m.edited_ts && !m.deleted) head.append(element("span", "edited", "(edited)"));
    item.append(head);
    if (m.deleted) {
      item.append(element("p", "body deleted", "message deleted"));
    } else if (editing === m.id) {
      const form = element("form", "edit-form");
      const label = element("label", "visually-hidden", "Edit your message");
      const input = element("textarea");
      input.id = `edit-${m.id}`;
      label.htmlFor = input.id;
      input.value = m.body;
      const save = element("button", "", "Save");
      save.type = "submit";
      const cancel = element("button", "", "Cancel");
      cancel.type = "button";
      cancel.addEventListener("click", onCancelEdit);
      form.addEventListener("submit", (e) => {
        e.preventDefault();
        onSaveEdit(m.id, input.value);
      });
      input.addEventListener("keydown", (e) => {
        if (e.key === "Escape") onCancelEdit();
        if (e.key === "Enter" && !e.shiftKey) {
          e.preventDefault();
          onSaveEdit(m.id, input.value);
        }
      });
      form.append(label, input, save, cancel);
      item.append(form);
      queueMicrotask(() => input.focus());
    } else {
      item.append(element("p", "body", m.body));
      const mine = m.from === me;
      if (mine || room.owner === me) {
        const actions = element("div", "actions");
        if (mine) {
          const edit = element("button", "", "Edit");
          edit.type = "button";
          edit.setAttribute("aria-label", "Edit your message");
          edit.addEventListener("click", () => onEdit(m.id));
          actions.append(edit);
        }
        const remove = element("button", "", "Delete");
        remove.type = "button";
        remove.setAttribute("aria-label", mine ? "Delete your message" : `Delete the message of ${m.from}`);
        remove.addEventListener("click", () => onDelete(m.id));
        actions.append(remove);
        item.append(actions);
      }
    }
    list.append(item);
  }
  if (atBottom) list.scrollTop = list.scrollHeight;
}

// Members with their presence: online, or when last seen.
export function renderMembers(list, members) {
  list.replaceChildren();
  for (const m of members) {
    const item = element("li", "member");
    const dot = element("span", m.online ? "dot online" : "dot", "");
    dot.setAttribute("role", "img");
    dot.setAttribute("aria-label", m.online ? "online" : "offline");
    item.append(dot, element("span", "", m.user));
    if (m.role === "owner") item.append(element("span", "kind", "owner"));
    if (!m.online && m.last_seen) item.append(element("span", "last-seen", `last seen ${new Date(m.last_seen).toLocaleString()}`));
    list.append(item);
  }
}

export function typingText(users, me) {
  const others = users.filter((u) => u !== me);
  if (others.length === 0) return "";
  if (others.length === 1) return `${others[0]} is typing…`;
  if (others.length <= 3) return `${others.slice(0, -1).join(", ")} and ${others.at(-1)} are typing…`;
  return `${others.length} people are typing…`;
}
