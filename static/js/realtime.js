// The per-user WebSocket (/ws/me/): events in, pings out, reconnect with jittered backoff.
// Close codes (docs/realtime.md): 4401 not signed in, 4409 session ended and 4451 account suspended stop
// reconnecting.

export const PING_INTERVAL_MS = 25000;
const NO_RECONNECT = new Set([4401, 4403, 4409, 4451]);

export function backoffDelay(attempt, random = Math.random) {
  const base = Math.min(30000, 500 * 2 ** attempt);
  return Math.round(base * (0.5 + random())); // full jitter around the base keeps reconnect storms apart
}

export class Realtime {
  constructor(path = "/ws/me/") {
    this.url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}${path}`;
    this.listeners = new Map();
    this.attempt = 0;
    this.socket = null;
    this.pingTimer = null;
    this.stopped = false;
    window.addEventListener("online", () => this.reconnectNow());
  }

  on(type, fn) {
    if (!this.listeners.has(type)) this.listeners.set(type, []);
    this.listeners.get(type).push(fn);
    return this;
  }

  emit(type, payload) {
    for (const fn of this.listeners.get(type) || []) fn(payload);
  }

  connect() {
    const socket = new WebSocket(this.url);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.pingTimer = setInterval(() => this.send({ type: "ping", t: Date.now() }), PING_INTERVAL_MS);
      this.emit("open");
    };
    socket.onmessage = (message) => {
      const event = JSON.parse(message.data);
      this.emit(event.type, event);
      this.emit("*", event);
    };
    socket.onclose = (close) => {
      clearInterval(this.pingTimer);
      if (this.socket !== socket) return;
      this.emit("close", close);
      if (close.code === 4409 || close.code === 4451) this.emit("session_ended", close.reason);
      if (NO_RECONNECT.has(close.code) || this.stopped) return;
      setTimeout(() => this.connect(), backoffDelay(this.attempt++));
    };
  }

  reconnectNow() {
    if (this.stopped || (this.socket && this.socket.readyState <= WebSocket.OPEN)) return;
    this.attempt = 0;
    this.connect();
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }
}
