// /c/<slug>/overlay/: an OBS browser source (transparent page). It listens on the live stream's socket
// anonymously and shows each `streams.alert` (donation, subscription) for a few seconds. Offline, or once
// the stream ends, it looks again every 30 s (a reload: the page finds the channel's next live stream).

import { openStreamSocket } from "./stream_socket.js";

const root = document.querySelector("#overlay");
const data = JSON.parse(root.dataset.overlay);
const box = document.querySelector("#overlay-alerts");
const retry = () => setTimeout(() => location.reload(), 30000);

function show(alert) {
  const who = alert.actor ? alert.actor.display_name || alert.actor.handle : "Someone";
  const amount = alert.amount_minor !== null ? ` ${(alert.amount_minor / 100).toFixed(2)} ${alert.currency || ""}` : "";
  const line = document.createElement("div");
  line.className = "overlay-alert";
  line.textContent = `${who} ${alert.kind === "donation" ? "donated" : "subscribed"}${amount}${alert.message ? ` - ${alert.message}` : ""}`;
  box.append(line);
  setTimeout(() => line.remove(), 8000);
}

if (data.stream_id === null) retry();
else {
  const socket = openStreamSocket(data.stream_id, { onEnded: retry });
  socket.on("streams.alert", (event) => show(event.alert));
}
