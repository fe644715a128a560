// Browser client of our SFU (media_relay/, protocol in docs/media_relay.md).
//
// One signalling WebSocket to the relay worker and two RTCPeerConnections: "publish"
// (our microphone, sendonly; we offer) and "subscribe" (everyone else, recvonly; the relay
// offers and we answer, again whenever consumers are added). Candidates go in the SDP:
// we wait for ICE gathering (capped) before sending an offer or answer, as aiortc does.
//
// Events (EventTarget): "state" {state: connecting|connected|closed, code, reason},
// "peers" {peers: Map peer_id → {name}}, "speakers" {speaking: Set of peer ids, dominant},
// "track" {peerId, track} / "trackended" {peerId}, "muted" {muted, byModerator}, "error" {code, message}.

const GATHER_TIMEOUT_MS = 3000;

function waitForGathering(pc) {
  if (pc.iceGatheringState === "complete") return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      if (pc.iceGatheringState !== "complete") return;
      pc.removeEventListener("icegatheringstatechange", done);
      resolve();
    };
    pc.addEventListener("icegatheringstatechange", done);
    setTimeout(resolve, GATHER_TIMEOUT_MS); // send what we have; the relay is reachable on a host candidate
  });
}

export class VoiceClient extends EventTarget {
  constructor({ url, token, room, iceServers = [] }) {
    super();
    this.url = url;
    this.token = token;
    this.room = room;
    this.iceServers = iceServers;
    this.socket = null;
    this.peerId = null;
    this.peers = new Map(); // peer_id → {name}
    this.producers = new Map(); // producer_id → producer (others')
    this.consumers = new Map(); // mid → {consumer_id, producer_id, peer_id, kind}
    this.publishPc = null;
    this.subscribePc = null;
    this.microphone = null;
    this.muted = false;
    this.pending = new Map(); // ref → {resolve, reject}
    this.nextRef = 1;
    this.answering = Promise.resolve(); // subscribe offers are answered one at a time
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  // Connect, join, hear everyone; with publish, also send our microphone.
  async start({ publish = false, microphone = null } = {}) {
    this.emit("state", { state: "connecting" });
    await this.open();
    const joined = await this.request({ type: "join", room: this.room });
    this.peerId = joined.peer_id;
    for (const peer of joined.peers) this.peers.set(peer.peer_id, { name: peer.name });
    this.emit("peers", { peers: this.peers });
    this.subscribePc = this.newPeerConnection();
    this.subscribePc.addEventListener("track", (event) => this.onTrack(event));
    await this.consume(joined.producers);
    if (publish) await this.publish(microphone);
    this.emit("state", { state: "connected" });
  }

  open() {
    const separator = this.url.includes("?") ? "&" : "?";
    const socket = new WebSocket(`${this.url}${separator}token=${encodeURIComponent(this.token)}`);
    this.socket = socket;
    socket.addEventListener("message", (message) => this.onMessage(JSON.parse(message.data)));
    socket.addEventListener("close", (close) => this.onClose(close));
    return new Promise((resolve, reject) => {
      socket.addEventListener("open", resolve, { once: true });
      socket.addEventListener("close", () => reject(new Error("The voice server refused the connection.")), { once: true });
    });
  }

  request(message) {
    const ref = String(this.nextRef++);
    this.socket.send(JSON.stringify({ ...message, ref }));
    return new Promise((resolve, reject) => this.pending.set(ref, { resolve, reject }));
  }

  newPeerConnection() {
    return new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: "max-bundle" });
  }

  async publish(microphone) {
    this.microphone = microphone || (await navigator.mediaDevices.getUserMedia({
      audio: { echoCancellation: true, noiseSuppression: true, autoGainControl: true },
    }));
    const track = this.microphone.getAudioTracks()[0];
    track.enabled = !this.muted;
    const pc = this.newPeerConnection();
    pc.addTransceiver(track, { direction: "sendonly", streams: [this.microphone] });
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await waitForGathering(pc);
      const answer = await this.request({ type: "produce", sdp: pc.localDescription.sdp });
      await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    } catch (error) { // e.g. "forbidden": the room microphone is off for us; we keep listening
      pc.close();
      this.microphone.getTracks().forEach((t) => t.stop());
      this.microphone = null;
      throw error;
    }
    this.publishPc = pc;
  }

  async consume(producers) {
    const audio = producers.filter((p) => p.kind === "audio");
    for (const producer of audio) this.producers.set(producer.producer_id, producer);
    if (audio.length) await this.request({ type: "consume", producer_ids: audio.map((p) => p.producer_id) });
  }

  // Mute our microphone: the relay stops forwarding it, and the track sends silence.
  async setMuted(muted) {
    this.muted = muted;
    if (this.microphone) this.microphone.getAudioTracks().forEach((t) => { t.enabled = !muted; });
    if (this.publishPc) await this.request({ type: "mute", muted, kind: "audio" });
    this.emit("muted", { muted, byModerator: false });
  }

  leave() {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify({ type: "leave" }));
    this.close();
  }

  close() {
    for (const pc of [this.publishPc, this.subscribePc]) if (pc) pc.close();
    if (this.microphone) this.microphone.getTracks().forEach((t) => t.stop());
    this.publishPc = this.subscribePc = this.microphone = null;
    if (this.socket) this.socket.close();
  }

  onTrack(event) {
    const consumer = this.consumers.get(event.transceiver.mid);
    if (!consumer) return;
    this.emit("track", { peerId: consumer.peer_id, track: event.track });
  }

  answerOffer(offer) {
    this.answering = this.answering.then(async () => {
      for (const consumer of offer.consumers) this.consumers.set(consumer.mid, consumer);
      await this.subscribePc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
      await this.subscribePc.setLocalDescription(await this.subscribePc.createAnswer());
      await waitForGathering(this.subscribePc);
      await this.request({ type: "answer", sdp: this.subscribePc.localDescription.sdp });
    }).catch((error) => this.emit("error", { code: "negotiation_failed", message: String(error) }));
  }

  onMessage(message) {
    const waiting = message.ref && this.pending.get(message.ref);
    if (waiting) {
      this.pending.delete(message.ref);
      if (message.type === "error") waiting.reject(Object.assign(new Error(message.message), message));
      else waiting.resolve(message);
      return;
    }
    switch (`${message.type}:${message.op || ""}`) {
      case "offer:":
        if (message.pc === "subscribe") this.answerOffer(message);
        break;
      case "error:":
        this.emit("error", message);
        break;
      case "media_relay.peer:joined":
        this.peers.set(message.peer_id, { name: message.name });
        this.emit("peers", { peers: this.peers });
        break;
      case "media_relay.peer:left":
        this.peers.delete(message.peer_id);
        this.emit("peers", { peers: this.peers });
        this.emit("trackended", { peerId: message.peer_id });
        break;
      case "media_relay.producer:added":
        if (message.producer.peer_id !== this.peerId) {
          this.consume([message.producer]).catch((error) => this.emit("error", error));
        }
        break;
      case "media_relay.producer:closed":
        this.producers.delete(message.producer_id);
        break;
      case "media_relay.producer:paused":
      case "media_relay.producer:resumed":
        if (message.peer_id === this.peerId && message.by === "moderator") {
          const muted = message.op === "paused";
          this.muted = muted;
          if (this.microphone) this.microphone.getAudioTracks().forEach((t) => { t.enabled = !muted; });
          this.emit("muted", { muted, byModerator: true });
        }
        break;
      case "media_relay.speakers:changed":
        this.emit("speakers", { speaking: new Set(message.speaking.map((s) => s.peer_id)), dominant: message.dominant });
        break;
      default:
        break;
    }
  }

  onClose(close) {
    for (const { reject } of this.pending.values()) reject(new Error(close.reason || "The voice connection closed."));
    this.pending.clear();
    this.close();
    this.emit("state", { state: "closed", code: close.code, reason: close.reason });
  }
}
