// A stream's socket (/ws/stream/<id>/, docs/realtime.md "Streams"): the hello, viewer counts (at most
// one a second) and the stream going live / ending. Anonymous viewers are welcome; an ended stream
// closes the socket with 4410 and we stop there. The live chat (stream_chat.js) listens on the same socket.

import { Realtime } from "./realtime.js";

export function openStreamSocket(streamId, { onHello, onViewers, onLive, onEnded, onUpdated }) {
  const socket = new Realtime(`/ws/stream/${streamId}/`);
  socket.on("hello", (hello) => onHello && onHello(hello));
  socket.on("streams.viewers", (event) => onViewers && onViewers(event.current, event.peak, event.webrtc));
  socket.on("streams.stream", (event) => {
    if (event.op === "live" && onLive) onLive(event.stream);
    if (event.op === "updated" && onUpdated) onUpdated(event.stream);
    if (event.op === "ended") {
      socket.stopped = true;
      if (onEnded) onEnded(event.stream);
    }
  });
  socket.on("close", (close) => {
    if (close.code === 4410) {
      socket.stopped = true;
      if (onEnded) onEnded(null);
    }
  });
  socket.connect();
  return socket;
}
