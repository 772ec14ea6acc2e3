// A minimal socket.io chat server with rooms: the peer `suda-bench fanout
// --peer socketio` compares Suda's fan-out with.
//
// A client connects with the query `room=<name>` and is joined to that
// room. The event `send` with `{room, text}` is broadcast to everyone in the
// room as the event `message` (the sender included, as in a chat) and
// acknowledged to the sender through the ack callback. Only a member of the
// room may send to it, as in Suda.
//
//   node server.js [PORT]        (or PORT=... node server.js; default 3000)
//
// Listens on 127.0.0.1 and prints "ready" once it does. GET /healthz answers
// 200 so the bench can wait for it the same way as for the other servers.
// One process, as socket.io is deployed by default: more would need sticky
// sessions and an adapter between the processes.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const port = Number(process.argv[2] || process.env.PORT || 3000);

const httpServer = http.createServer((req, res) => {
  if (req.url === "/healthz") {
    res.writeHead(200, { "content-type": "text/plain" });
    res.end("ok");
    return;
  }
  res.writeHead(404);
  res.end();
});

const io = new Server(httpServer, {
  // The bench speaks WebSocket only; no long-polling fallback to keep alive.
  transports: ["websocket"],
  perMessageDeflate: false,
  serveClient: false,
});

io.on("connection", (socket) => {
  const room = socket.handshake.query.room;
  if (typeof room === "string" && room !== "") {
    socket.join(room);
  }
  socket.on("send", (payload, ack) => {
    const reply = typeof ack === "function" ? ack : () => {};
    if (!payload || typeof payload.room !== "string" || typeof payload.text !== "string") {
      reply({ error: "send needs {room, text}" });
      return;
    }
    if (!socket.rooms.has(payload.room)) {
      reply({ error: "not a member of " + payload.room });
      return;
    }
    io.to(payload.room).emit("message", { room: payload.room, text: payload.text });
    reply({ ok: true });
  });
});

httpServer.listen(port, "127.0.0.1", () => {
  console.log("ready");
});

// Stop cleanly on the bench's SIGTERM (and on Ctrl-C).
for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    io.close();
    process.exit(0);
  });
}
