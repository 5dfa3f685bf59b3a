// A tiny pub/sub server on socket.io, for side-by-side benchmarks: the
// natter.v1 subset natter_loadgen uses, as socket.io events. The client
// emits "join" and "send" with natter.v1 command objects; the server emits
// "event" with natter.v1 event objects (welcome on connect, joined, message
// to every member of the room, ack to the sender), so natter_loadgen
// --protocol socketio reads the same fields. WebSocket transport only (no
// long-polling), broadcast through socket.io's rooms. No storage.
//
// With a Redis URL, the server is one node of a cluster: socket.io's own
// Redis adapter (@socket.io/redis-adapter, on node-redis) publishes each
// broadcast to Redis and delivers what the other nodes publish, as its
// documentation sets it up.
//
//   node server.js PORT [redis://127.0.0.1:6379]
'use strict';
const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.argv[2] || 9004);
const redisUrl = process.argv[3];
let nextId = 1;

const io = new Server({ transports: ['websocket'], serveClient: false, perMessageDeflate: false });
io.on('connection', (socket) => {
  const user = socket.handshake.query.user || 'guest';
  socket.emit('event', { type: 'welcome', user });
  socket.on('join', (command) => {
    socket.join(command.room);
    socket.emit('event', { type: 'joined', ref: command.ref, room: command.room, user });
  });
  socket.on('send', (command) => {
    const id = String(nextId++);
    // body last, as natter sends it: the generator reads its stamp from the end.
    io.to(command.room).emit('event', { type: 'message', room: command.room, id, ts: Date.now(), from: user, body: command.body });
    socket.emit('event', { type: 'ack', ref: command.ref, room: command.room, id });
  });
});
async function main() {
  if (redisUrl) {
    const { createAdapter } = require('@socket.io/redis-adapter');
    const { createClient } = require('redis');
    const pubClient = createClient({ url: redisUrl });
    const subClient = pubClient.duplicate();
    await Promise.all([pubClient.connect(), subClient.connect()]);
    io.adapter(createAdapter(pubClient, subClient));
  }
  const server = http.createServer();
  io.attach(server);
  server.listen(port, '127.0.0.1', () => console.error('socket.io peer listening'));
}
main().catch((e) => {
  console.error(e);
  process.exit(1);
});
