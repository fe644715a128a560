// The peer of bench/chat_fanout.py: one Socket.io v4 process with the Redis adapter,
// like our one daphne process with the Redis channel layer.
//
//   node server.js --port 8765 --redis redis://127.0.0.1:6379/13 [--key <adapter key shared by processes>]
//
// A client connects to /socket.io/ (websocket transport only) with ?room=<name>
// and joins that room. A "chat" event {body} from any member is turned into the
// same event our rooms app publishes (rooms.chat op=created, same fields, same
// sizes) and broadcast to the whole room, sender included, through the adapter:
// io.to(room).emit(...). Nothing is persisted (our side writes PostgreSQL first).
// Prints "ready <port>" on stdout once listening; stops on SIGTERM/SIGINT.
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");
const { createAdapter } = require("@socket.io/redis-adapter");
const { createClient } = require("redis");

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

const port = Number(arg("port", "8765"));
const redisUrl = arg("redis", "redis://127.0.0.1:6379/13");
// Processes that share a key broadcast to each other's sockets (bench/viewer_storm.py runs two).
const adapterKey = arg("key", `bench-fanout-${process.pid}`);

async function main() {
  const pubClient = createClient({ url: redisUrl });
  const subClient = pubClient.duplicate();
  pubClient.on("error", (err) => console.error("redis pub:", err.message));
  subClient.on("error", (err) => console.error("redis sub:", err.message));
  await Promise.all([pubClient.connect(), subClient.connect()]);

  const httpServer = http.createServer((req, res) => {
    res.writeHead(404).end();
  });
  const io = new Server(httpServer, {
    adapter: createAdapter(pubClient, subClient, { key: adapterKey }),
    transports: ["websocket"],
    perMessageDeflate: false, // our daphne does not compress either
    serveClient: false,
    cors: { origin: false },
  });

  let nextId = 1;
  io.on("connection", (socket) => {
    const room = String(socket.handshake.query.room || "");
    const userId = Number(socket.handshake.query.user || 0);
    if (!room) {
      socket.disconnect(true);
      return;
    }
    socket.join(room);
    socket.on("chat", (data) => {
      const body = data && typeof data.body === "string" ? data.body.trim() : "";
      if (!body || body.length > 500) return;
      // The shape of rooms.events.chat_created(ChatMessageSerializer(message)).
      io.to(room).emit("chat", {
        type: "rooms.chat",
        op: "created",
        message: {
          id: nextId++,
          author: { id: userId, handle: `fanout${String(userId).padStart(6, "0")}`, display_name: "", avatar_url: null },
          body,
          mentions: [],
          created_at: new Date().toISOString().replace("Z", "000Z"),
          is_deleted: false,
        },
      });
    });
  });

  await new Promise((resolve) => httpServer.listen(port, "127.0.0.1", resolve));
  process.stdout.write(`ready ${port}\n`);

  const stop = async () => {
    io.close();
    await Promise.allSettled([pubClient.quit(), subClient.quit()]);
    process.exit(0);
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
