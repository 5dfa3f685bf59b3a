// app.js: the chat page natterd serves. Keeps the page's state (rooms,
// their messages, who is typing, unread counts), feeds it from
// NatterClient's events and the user's actions, and has render.js show it.
import { NatterClient } from "/natter-client.js";
import { directPartner, renderMembers, renderMessages, renderRoomList, sentence, typingText } from "/render.js";

const $ = (id) => document.getElementById(id);
const TYPING_REPEAT_MS = 3000;
const PAGE = 50;

let client = null;
let me = "";
const rooms = new Map(); // name -> room state
let current = null;      // the room shown
let editing = null;      // id of the message being edited
let typingSentAt = 0;

function roomState(name, fields = {}) {
  let room = rooms.get(name);
  if (!room) {
    room = { name, kind: name.startsWith("dm:") ? "direct" : undefined, unread: 0, messages: [], loaded: false,
      more: false, typing: [], members: [], owner: null, partnerOnline: false };
    rooms.set(name, room);
  }
  return Object.assign(room, fields);
}

function byId(a, b) {
  const x = BigInt(a.id), y = BigInt(b.id);
  return x < y ? -1 : x > y ? 1 : 0;
}

// Adds or replaces messages by id, keeping the list in id order.
function remember(room, messages) {
  const known = new Map(room.messages.map((m) => [m.id, m]));
  for (const m of messages) known.set(m.id, { ...known.get(m.id), ...m });
  room.messages = [...known.values()].sort(byId);
}

function showError(where, error) {
  $(where).textContent = error ? sentence(error) : "";
}

// -- rendering --------------------------------------------------------

function renderSidebar() {
  const all = [...rooms.values()].sort((a, b) => a.name.localeCompare(b.name));
  renderRoomList($("room-list"), all.filter((r) => r.kind !== "direct"), current, me, pick);
  renderRoomList($("dm-list"), all.filter((r) => r.kind === "direct"), current, me, pick);
  const unread = all.reduce((sum, r) => sum + (r.name === current ? 0 : r.unread), 0);
  document.title = unread ? `(${unread}) natter` : "natter";
}

function renderRoom() {
  const room = current && rooms.get(current);
  $("room-title").textContent = room ? (room.kind === "direct" ? directPartner(room.name, me) : room.name) : "Pick a room";
  $("room-kind").textContent = room && room.kind ? room.kind : "";
  $("composer").hidden = !room;
  $("members-toggle").hidden = !room;
  $("leave").hidden = !room || room.kind === "direct";
  $("older").hidden = !room || !room.more;
  $("invite-form").hidden = !room || room.kind === "direct" || room.kind === "public";
  if (!room) return;
  renderMessages($("messages"), room, me, {
    editing,
    onEdit: (id) => { editing = id; renderRoom(); },
    onCancelEdit: () => { editing = null; renderRoom(); $("composer-text").focus(); },
    onSaveEdit: saveEdit,
    onDelete: deleteMessage,
  });
  renderMembers($("member-list"), room.members);
  $("typing").textContent = typingText(room.typing, me);
}

// -- what the user does ----------------------------------------------

async function signIn(event) {
  event.preventDefault();
  const user = $("signin-name").value.trim();
  const token = $("signin-token").value.trim();
  showError("signin-error", null);
  if (client) client.close(); // an earlier attempt still trying to connect
  client = new NatterClient(token ? { token } : { user });
  wire(client);
  try {
    const welcome = await client.connect();
    me = welcome.user;
    sessionStorage.setItem("natter-sign-in", JSON.stringify(token ? { token } : { user: me }));
  } catch (error) {
    showError("signin-error", error);
    return;
  }
  $("signin-view").hidden = true;
  $("chat-view").hidden = false;
  $("whoami").textContent = `Signed in as ${me}`;
  await loadRooms();
}

// Every room listed for us; those we belong to are joined, so this
// device hears them (and catches up on them after a reconnect).
async function loadRooms() {
  let after;
  do {
    const page = await client.request("list_rooms", after ? { after, limit: 500 } : { limit: 500 });
    for (const r of page.rooms) roomState(r.room, { kind: r.kind, unread: r.unread || 0, member: r.member });
    after = page.more ? page.rooms.at(-1).room : undefined;
  } while (after);
  const mine = [...rooms.values()].filter((r) => r.member);
  await Promise.all(mine.filter((r) => !client.joined.has(r.name)).map((r) => join(r.name, {}, false)));
  renderSidebar();
  if (!current && mine.length) pick(mine[0].name);
}

async function join(name, fields = {}, show = true) {
  try {
    const joined = await client.request("join", { room: name, ...fields });
    // Storage counts what it has committed; a message that arrived live a
    // moment ago may not be in its count yet, but is in ours.
    const counted = rooms.has(name) ? rooms.get(name).unread : 0;
    roomState(name, { kind: joined.kind, member: true, unread: Math.max(joined.unread >= 0 ? joined.unread : 0, counted) });
    if (joined.members) rooms.get(name).memberNames = joined.members;
    if (show) pick(name);
    renderSidebar();
    return true;
  } catch (error) {
    showError("sidebar-error", error);
    return false;
  }
}

async function pick(name) {
  const listed = rooms.get(name);
  // A listed room we are not in: picking it joins it (a protected one
  // without its password is refused, and the Join form asks for it).
  if (listed && !listed.member && listed.kind !== "direct") {
    showError("sidebar-error", null);
    return join(name);
  }
  current = name;
  editing = null;
  showError("room-error", null);
  document.body.classList.remove("menu-open");
  $("menu-toggle").setAttribute("aria-expanded", "false");
  const room = rooms.get(name);
  if (room && !room.loaded && room.member) await loadHistory(room);
  if (room && room.member) refreshMembers(room);
  renderSidebar();
  renderRoom();
  markRead();
  $("messages").scrollTop = $("messages").scrollHeight;
}

async function loadHistory(room, before) {
  try {
    const page = await client.request("history", before ? { room: room.name, before, limit: PAGE }
                                                        : { room: room.name, limit: PAGE });
    remember(room, page.messages);
    room.more = page.more;
    room.loaded = true;
  } catch (error) {
    showError("room-error", error);
  }
}

async function loadOlder() {
  const room = rooms.get(current);
  if (!room || !room.messages.length) return;
  const list = $("messages");
  const fromBottom = list.scrollHeight - list.scrollTop;
  await loadHistory(room, room.messages[0].id);
  renderRoom();
  list.scrollTop = list.scrollHeight - fromBottom; // keep what was in view in place
}

async function refreshMembers(room) {
  try {
    const answer = await client.request("members", { room: room.name });
    room.members = answer.members;
    room.owner = (answer.members.find((m) => m.role === "owner") || {}).user || null;
    if (room.kind === "direct") {
      const partner = answer.members.find((m) => m.user !== me);
      room.partnerOnline = Boolean(partner && partner.online);
    }
    if (room.name === current) renderRoom();
    renderSidebar();
  } catch (error) {
    /* a room we were removed from meanwhile: its events say so */
  }
}

// Our read marker moves to the newest message shown, while the page is seen.
function markRead() {
  const room = current && rooms.get(current);
  if (!room || !room.messages.length || document.hidden) return;
  const newest = room.messages.at(-1).id;
  if (room.readUpTo === newest) return;
  room.readUpTo = newest;
  room.unread = 0;
  client.request("read", { room: room.name, id: newest }).catch(() => {});
  renderSidebar();
}

async function sendMessage(event) {
  event.preventDefault();
  const text = $("composer-text");
  const body = text.value.trim();
  const room = rooms.get(current);
  if (!body || !room) return;
  text.value = "";
  typingSentAt = 0;
  client.notify("typing", { room: room.name, active: false });
  const target = room.kind === "direct" && !room.member ? { to: directPartner(room.name, me) } : { room: room.name };
  try {
    await client.send({ ...target, body });
  } catch (error) {
    showError("room-error", error);
    if (!text.value) text.value = body;
  }
}

function typed() {
  const room = rooms.get(current);
  if (!room || !room.member) return;
  const now = Date.now();
  if (!$("composer-text").value) {
    if (typingSentAt) client.notify("typing", { room: room.name, active: false });
    typingSentAt = 0;
  } else if (now - typingSentAt > TYPING_REPEAT_MS) {
    client.notify("typing", { room: room.name });
    typingSentAt = now;
  }
}

async function saveEdit(id, body) {
  const room = rooms.get(current);
  editing = null;
  if (!body.trim()) return renderRoom();
  try {
    await client.request("edit", { room: room.name, id, body: body.trim() });
  } catch (error) {
    showError("room-error", error);
  }
  renderRoom();
}

async function deleteMessage(id) {
  if (!window.confirm("Delete this message for everyone?")) return;
  try {
    await client.request("delete", { room: current, id });
  } catch (error) {
    showError("room-error", error);
  }
}

// -- what natter tells us ---------------------------------------------

function wire(chat) {
  chat.addEventListener("status", ({ detail }) => {
    const text = {
      connecting: "Connecting…",
      online: "",
      reconnecting: detail.retryInMs !== undefined
        ? `Connection lost; reconnecting in ${Math.ceil(detail.retryInMs / 1000)} s…` : "Reconnecting…",
      closed: detail.reason ? `Disconnected: ${detail.reason}` : "",
    }[detail.state];
    $("status").textContent = text;
    document.body.classList.toggle("offline", detail.state === "reconnecting");
    // Not signed in yet: say why nothing happens.
    if (!$("signin-view").hidden && detail.state === "reconnecting") {
      $("signin-error").textContent = `Cannot reach natter; trying again in ${Math.ceil(detail.retryInMs / 1000)} s…`;
    }
  });
  chat.addEventListener("message", ({ detail: m }) => {
    const room = roomState(m.room);
    const fresh = !room.messages.some((x) => x.id === m.id);
    remember(room, [{ id: m.id, ts: m.ts, from: m.from, body: m.body, edited_ts: m.edited_ts, deleted: m.deleted }]);
    if (fresh && m.from !== me && (m.room !== current || document.hidden)) room.unread += 1;
    if (room.kind === "direct" && !room.member) {
      // A direct room that begins now: joined, so this device catches up
      // on it after a reconnect like on any other room.
      room.member = true;
      join(room.name, {}, false);
    }
    if (m.room === current) {
      renderRoom();
      markRead();
    }
    renderSidebar();
  });
  chat.addEventListener("edited", ({ detail: e }) => update(e.room, e.id, { body: e.body, edited_ts: e.edited_ts }));
  chat.addEventListener("deleted", ({ detail: e }) => update(e.room, e.id, { body: "", deleted: true }));
  chat.addEventListener("typing", ({ detail: t }) => {
    roomState(t.room).typing = t.users;
    if (t.room === current) $("typing").textContent = typingText(t.users, me);
  });
  chat.addEventListener("read", ({ detail: r }) => {
    if (r.user !== me) return;
    const room = roomState(r.room);
    room.readUpTo = r.id;
    room.unread = room.messages.filter((m) => BigInt(m.id) > BigInt(r.id) && m.from !== me && !m.deleted).length;
    renderSidebar();
  });
  chat.addEventListener("joined", ({ detail: j }) => {
    if (j.user !== me && rooms.has(j.room)) refreshMembers(rooms.get(j.room));
  });
  chat.addEventListener("left", ({ detail: l }) => {
    if (l.user === me) {
      rooms.delete(l.room);
      if (current === l.room) current = null;
      if (l.by) showError("sidebar-error", { message: `${l.by} removed you from ${l.room}.` });
      renderSidebar();
      renderRoom();
    } else if (rooms.has(l.room)) {
      refreshMembers(rooms.get(l.room));
    }
  });
  chat.addEventListener("room_deleted", ({ detail: d }) => {
    rooms.delete(d.room);
    if (current === d.room) current = null;
    renderSidebar();
    renderRoom();
  });
  chat.addEventListener("invited", ({ detail: i }) => {
    if (i.user !== me) return refreshMembers(roomState(i.room));
    roomState(i.room, { invited: true });
    showError("sidebar-error", { message: `${i.by} invited you to ${i.room}: join it from "Join a room".` });
  });
  chat.addEventListener("presence", ({ detail: p }) => {
    for (const room of rooms.values()) {
      let changed = false;
      for (const u of p.users) {
        const member = room.members.find((m) => m.user === u.user);
        if (member) Object.assign(member, { online: u.online, last_seen: u.last_seen }), (changed = true);
        if (room.kind === "direct" && directPartner(room.name, me) === u.user) room.partnerOnline = u.online;
      }
      if (changed && room.name === current) renderRoom();
    }
    renderSidebar();
  });
}

function update(roomName, id, fields) {
  const room = rooms.get(roomName);
  if (!room || !room.messages.some((m) => m.id === id)) return;
  remember(room, [{ id, ...fields }]);
  if (roomName === current) renderRoom();
}

// -- wiring the page --------------------------------------------------

function formValue(id) {
  const value = $(id).value.trim();
  $(id).value = "";
  return value;
}

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", signIn);
  const saved = JSON.parse(sessionStorage.getItem("natter-sign-in") || "null");
  if (saved && saved.user) $("signin-name").value = saved.user;
  $("composer").addEventListener("submit", sendMessage);
  $("composer-text").addEventListener("input", typed);
  $("composer-text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey) sendMessage(e);
  });
  $("older").addEventListener("click", loadOlder);
  $("refresh-rooms").addEventListener("click", () => loadRooms().catch((error) => showError("sidebar-error", error)));
  $("join-form").addEventListener("submit", (e) => {
    e.preventDefault();
    showError("sidebar-error", null);
    const name = formValue("join-name");
    const password = formValue("join-password");
    join(name, password ? { password } : {});
  });
  $("create-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    showError("sidebar-error", null);
    const fields = { room: $("create-name").value.trim(), kind: $("create-kind").value,
      members_invite: $("create-members-invite").checked };
    if (fields.kind === "protected") fields.password = $("create-password").value;
    try {
      const joined = await client.request("create_room", fields);
      $("create-name").value = $("create-password").value = "";
      roomState(joined.room, { kind: joined.kind, member: true, owner: me });
      pick(joined.room);
    } catch (error) {
      showError("sidebar-error", error);
    }
  });
  $("dm-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const user = formValue("dm-user");
    if (!user || user === me) return;
    const name = `dm:${[me, user].sort().join(":")}`;
    const room = roomState(name, { kind: "direct" });
    pick(room.name);
    $("composer-text").focus();
  });
  $("invite-form").addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await client.request("invite", { room: current, user: formValue("invite-user") });
    } catch (error) {
      showError("room-error", error);
    }
  });
  $("leave").addEventListener("click", () => client.request("leave", { room: current }).catch((error) => showError("room-error", error)));
  $("members-toggle").addEventListener("click", () => {
    const open = $("members").hidden;
    $("members").hidden = !open;
    $("members-toggle").setAttribute("aria-expanded", String(open));
  });
  $("menu-toggle").addEventListener("click", () => {
    const open = document.body.classList.toggle("menu-open");
    $("menu-toggle").setAttribute("aria-expanded", String(open));
  });
  $("signout").addEventListener("click", () => {
    sessionStorage.removeItem("natter-sign-in");
    client.close();
    location.reload();
  });
  document.addEventListener("visibilitychange", markRead);
});
