// natter-client.js: a small browser client for natter.v1 (docs/protocol.md),
// with no dependencies. The chat page natterd serves uses it; embed it in
// your own page the same way (docs/web.md):
//
//   import { NatterClient } from "/natter-client.js";
//   const chat = new NatterClient({ user: "ann" });          // or { token: "..." }
//   chat.addEventListener("message", (e) => show(e.detail)); // every server event by its type
//   await chat.connect();                                    // resolves with the welcome
//   await chat.request("join", { room: "lobby" });           // resolves with the answer
//   await chat.send({ room: "lobby", body: "hi" });          // resolves with the ack
//
// What it does for you: answers are matched to commands by `ref`, and an
// `error` answer rejects the promise with a NatterError (its `code` is one
// of the protocol's codes). When the connection drops it reconnects by
// itself (1 s, doubling to 30 s, with jitter), joins the rooms it had
// joined again with `since` = the last message id it saw there (so the
// server replays what was missed, and pages the rest if the replay was
// cut short), and sends again, with the same `ref`, every message not yet
// acked (the server answers a repeated ref without storing it twice).
// Events: one per server event type ("message", "joined", "typing", ...),
// plus "status" ({ state: "connecting" | "online" | "reconnecting" |
// "closed", retryInMs, reason }) and "recovered" ({ room }) once a rejoin's
// catch-up is complete. Runs on the page's thread; not shared between tabs.

const PROTOCOL = "natter.v1";
const FIRST_RETRY_MS = 1000;
const LONGEST_RETRY_MS = 30000;

export class NatterError extends Error {
  constructor(event) {
    super(event.message || event.code);
    this.name = "NatterError";
    this.code = event.code;
    this.retryAfterMs = event.retry_after_ms;
  }
}

export class NatterClient extends EventTarget {
  // url: the WebSocket endpoint (default: /ws on the page's own host);
  // user: a name (the anonymous auth plugin); token: a bearer token (jwt).
  constructor({ url, user, token } = {}) {
    super();
    const base = url || `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`;
    const query = new URLSearchParams();
    if (user) query.set("user", user);
    if (token) query.set("token", token);
    this.url = query.toString() ? `${base}${base.includes("?") ? "&" : "?"}${query}` : base;
    this.user = null;        // as the server named us in `welcome`
    this.state = "closed";
    this.joined = new Map(); // room -> { password, lastId }: rejoined after a reconnect
    this.pending = new Map(); // ref -> { resolve, reject, command }: sent again after a reconnect
    this.nextRef = 1;
    this.retryMs = FIRST_RETRY_MS;
    this.wanted = false;      // connect() called and close() not
    this.socket = null;
    this.timer = null;
  }

  // Opens the connection; resolves with `welcome`, rejects with a
  // NatterError if the server refuses us (then it does not retry).
  connect() {
    this.wanted = true;
    return new Promise((resolve, reject) => {
      this.welcomed = { resolve, reject };
      this.open();
    });
  }

  // Closes for good (no reconnect).
  close() {
    this.wanted = false;
    clearTimeout(this.timer);
    if (this.socket) this.socket.close(1000);
    this.setState("closed");
  }

  // Sends `op` with `fields`; resolves with the event that answers it.
  // Waits for the connection if it is down.
  request(op, fields = {}) {
    const ref = fields.ref || `r${this.nextRef++}`;
    const command = { op, ...fields, ref };
    if (op === "join" && !this.joined.has(fields.room)) {
      this.joined.set(fields.room, { password: fields.password, lastId: undefined });
    }
    return new Promise((resolve, reject) => {
      this.pending.set(ref, { resolve, reject, command });
      if (this.state === "online") this.write(command);
    });
  }

  // A message to a room ({ room, body }) or a user ({ to, body }); resolves
  // with its ack. Sent again after a reconnect until it is answered, under
  // a ref unique across page loads (refs are remembered per user).
  send({ room, to, body, ref }) {
    const fields = room ? { room, body } : { to, body };
    fields.ref = ref || `m${Date.now().toString(36)}${(this.nextRef++).toString(36)}`;
    return this.request("send", fields);
  }

  // Fire-and-forget commands that have no answer unless refused (typing).
  notify(op, fields = {}) {
    if (this.state === "online") this.write({ op, ...fields });
  }

  // -- internals ------------------------------------------------------

  open() {
    clearTimeout(this.timer);
    this.setState(this.user ? "reconnecting" : "connecting");
    const socket = new WebSocket(this.url, PROTOCOL);
    this.socket = socket;
    socket.onmessage = (frame) => this.receive(JSON.parse(frame.data));
    socket.onclose = (close) => {
      if (this.socket !== socket) return;
      this.socket = null;
      if (close.code === 4001 || close.code === 4029 || !this.wanted) {
        this.wanted = false;
        this.setState("closed", { reason: close.reason || `closed (${close.code})`, code: close.code });
        return;
      }
      this.scheduleRetry();
    };
  }

  scheduleRetry() {
    const wait = Math.round(this.retryMs / 2 + Math.random() * this.retryMs / 2);
    this.retryMs = Math.min(this.retryMs * 2, LONGEST_RETRY_MS);
    this.setState("reconnecting", { retryInMs: wait });
    this.timer = setTimeout(() => this.open(), wait);
  }

  write(command) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(command));
  }

  setState(state, extra = {}) {
    this.state = state;
    this.dispatchEvent(new CustomEvent("status", { detail: { state, ...extra } }));
  }

  receive(event) {
    if (event.type === "welcome") return this.welcome(event);
    if (event.type === "message") this.saw(event.room, event.id);
    if (event.type === "history" && event.messages.length) this.saw(event.room, event.messages.at(-1).id);
    if (event.type === "left" && event.user === this.user && !event.ref) this.joined.delete(event.room);
    if (event.type === "room_deleted") this.joined.delete(event.room);
    if (event.type === "error" && !event.ref && this.welcomed) {
      this.welcomed.reject(new NatterError(event)); // refused at sign-in (unauthorized, rate_limited)
      this.welcomed = null;
    }
    this.dispatchEvent(new CustomEvent(event.type, { detail: event }));
    const waiting = event.ref && this.pending.get(event.ref);
    if (!waiting) return;
    this.pending.delete(event.ref);
    if (event.type === "error") {
      if (waiting.command.op === "join") this.joined.delete(waiting.command.room);
      waiting.reject(new NatterError(event));
    } else {
      waiting.resolve(event);
    }
  }

  // The newest message id seen in `room`, where a rejoin starts from.
  saw(room, id) {
    const known = this.joined.get(room);
    if (known && (!known.lastId || BigInt(id) > BigInt(known.lastId))) known.lastId = id;
  }

  welcome(event) {
    const again = this.user !== null;
    this.user = event.user;
    this.retryMs = FIRST_RETRY_MS;
    this.setState("online");
    if (this.welcomed) {
      this.welcomed.resolve(event);
      this.welcomed = null;
    }
    this.dispatchEvent(new CustomEvent("welcome", { detail: event }));
    // Commands not answered when the connection went down (sends not yet
    // acked among them), or asked for while it was: again, in order, after
    // the rejoins (the server runs commands in order).
    const waiting = [...this.pending.values()].map((p) => p.command);
    if (again) this.rejoin();
    for (const command of waiting) this.write(command);
  }

  // After a reconnect: every room again, from the last message seen there.
  rejoin() {
    for (const [room, known] of this.joined) {
      const fields = { room, since: known.lastId || "0" };
      if (known.password) fields.password = known.password;
      // A refused rejoin (kicked meanwhile) drops the room in receive().
      this.request("join", fields).then((joined) => this.catchUp(room, joined), () => {});
    }
  }

  // A replay cut short at recovery_max: page the rest with history.
  async catchUp(room, joined) {
    let after = joined.recovered === false ? joined.recovered_up_to : null;
    while (after) {
      const page = await this.request("history", { room, after, limit: 200 });
      for (const m of page.messages) {
        this.receive({ type: "message", room, ...m });
        after = m.id;
      }
      if (!page.more) after = null;
    }
    this.dispatchEvent(new CustomEvent("recovered", { detail: { room } }));
  }
}
