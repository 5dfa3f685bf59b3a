// A tiny pub/sub server on Node's `ws`, for side-by-side benchmarks: the
// natter.v1 subset natter_loadgen uses (welcome on connect, join -> joined,
// send -> message to every member and ack to the sender). No storage.
//
//   node server.js PORT
'use strict';
const { WebSocketServer } = require('ws');

const port = Number(process.argv[2] || 9003);
const rooms = new Map();
let nextId = 1;

const wss = new WebSocketServer({ host: '127.0.0.1', port, perMessageDeflate: false });
wss.on('connection', (socket, request) => {
  const user = new URL(request.url, 'http://x').searchParams.get('user') || 'guest';
  socket.send(JSON.stringify({ type: 'welcome', user }));
  socket.on('message', (data) => {
    const command = JSON.parse(data);
    if (command.op === 'join') {
      if (!rooms.has(command.room)) rooms.set(command.room, new Set());
      rooms.get(command.room).add(socket);
      socket.send(`{"type":"joined","ref":"${command.ref}","room":"${command.room}"}`);
    } else if (command.op === 'send') {
      const id = String(nextId++);
      const event = JSON.stringify({ type: 'message', room: command.room, id, ts: Date.now(), from: user, body: command.body });
      for (const member of rooms.get(command.room) || []) member.send(event);
      socket.send(`{"type":"ack","ref":"${command.ref}","room":"${command.room}","id":"${id}"}`);
    }
  });
  socket.on('close', () => { for (const members of rooms.values()) members.delete(socket); });
});
wss.on('listening', () => console.error('node ws peer listening'));
