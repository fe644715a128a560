// Checks server.js with the official client: 3 members of one room, one sends, all 3 receive.
//   node smoke.js --port 8765     (server.js must be running)
"use strict";

const { io } = require("socket.io-client");

const i = process.argv.indexOf("--port");
const port = i > 0 ? Number(process.argv[i + 1]) : 8765;
const url = `http://127.0.0.1:${port}`;
const room = `smoke-${process.pid}`;
const clients = [1, 2, 3].map((user) => io(url, { transports: ["websocket"], query: { room, user } }));
let received = 0;
const timer = setTimeout(() => {
  console.error(`smoke: FAILED, ${received}/3 received`);
  process.exit(1);
}, 5000);

Promise.all(clients.map((c) => new Promise((resolve) => c.on("connect", resolve)))).then(() => {
  clients.forEach((c) =>
    c.on("chat", (event) => {
      if (event.type === "rooms.chat" && event.message.body === "hello") received += 1;
      if (received === 3) {
        clearTimeout(timer);
        console.log("smoke: ok, 3/3 received", JSON.stringify(event));
        clients.forEach((x) => x.close());
      }
    }),
  );
  clients[0].emit("chat", { body: "hello" });
});
