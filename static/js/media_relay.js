// Browser client of our SFU (media_relay/, protocol and client API in docs/media_relay.md).
//
// One signalling WebSocket to the relay worker and two RTCPeerConnections: "publish"
// (our microphone, and camera with `video: true`; sendonly; we offer) and "subscribe"
// (everyone else, recvonly; the relay offers and we answer, again whenever consumers are
// added). Candidates go in the SDP: we wait for ICE gathering (capped) before sending an
// offer or answer, as aiortc does.
//
// 1:1 calls go peer-to-peer first: with exactly one other peer in the room, the two
// browsers open a direct RTCPeerConnection, its offer/answer carried by the relay as
// `p2p.signal`. We still publish to the relay (it keeps the speaking indicator, and its
// mute/kick decisions reach both browsers), but nobody consumes from it, so it forwards
// nothing. If the direct connection is not `connected` within `p2pTimeoutMs`, fails later,
// or a third peer joins, both sides consume through the relay instead.
//
// The socket closing unexpectedly, ICE failing or the browser coming back `online` make
// the client rejoin with a fresh grant after a jittered backoff (not after a kick 4403,
// a room close 4410, being replaced by another tab 4409, or leave()).
//
// Events (EventTarget, `detail`): "state" {state: connecting|connected|reconnecting|closed,
// code, reason}, "mode" {mode: relay|p2p-trying|p2p}, "peers" {peers: Map peer_id → {name}},
// "speakers" {speaking: Set of peer ids, dominant}, "producers" {producers}, "track" {peerId, track, kind, via},
// "trackended" {peerId}, "muted" {muted, byModerator}, "camera" {on}, "error" {code, message}.
//
// Cameras in a call: `receiveVideo` takes others' video without sending ours; setCamera(on) turns ours on
// or off by rejoining with fresh local media (the same path as a reconnect, so the direct connection and
// the relay's producers are negotiated again from scratch).
// No page DOM here: rooms (static/js/voice.js) and streams pages drive it.

import { backoffDelay } from "./realtime.js";

const GATHER_TIMEOUT_MS = 3000;
export const P2P_TIMEOUT_MS = 4000;
const NO_RECONNECT = new Set([1000, 4403, 4409, 4410]); // left, kicked, replaced, room closed
const AUDIO_CONSTRAINTS = { echoCancellation: true, noiseSuppression: true, autoGainControl: true };

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

// A grant the platform refused for good (403 kicked / not a member, 404, 410 room closed): stop retrying.
const isFinal = (error) => [403, 404, 410].includes(error.status);

export class VoiceClient extends EventTarget {
  // fetchGrant: async () => the media-token answer {url, token, room, perms, ice_servers}; called
  // on start and on every reconnect (tokens are short-lived).
  constructor({ fetchGrant, p2p = true, p2pTimeoutMs = P2P_TIMEOUT_MS }) {
    super();
    this.fetchGrant = fetchGrant;
    this.p2pEnabled = p2p;
    this.p2pTimeoutMs = p2pTimeoutMs;
    this.state = "idle";
    this.perms = [];
    this.mode = "relay";
    this.socket = null;
    this.peerId = null;
    this.peers = new Map(); // peer_id → {name}
    this.producers = new Map(); // producer_id → producer (others'), with `paused`
    this.consumers = new Map(); // mid → {consumer_id, producer_id, peer_id, kind}
    this.consumed = new Set(); // producer ids we asked the relay for
    this.publishPc = null;
    this.subscribePc = null;
    this.local = null; // our MediaStream (microphone, camera), kept across reconnects
    this.publishing = false;
    this.muted = false;
    this.p2p = null; // {pc, partner, initiator, timer, tracks}
    this.p2pFailed = new Set(); // partners a direct connection did not work with
    this.pending = new Map(); // ref → {resolve, reject}
    this.nextRef = 1;
    this.answering = Promise.resolve(); // subscribe offers are answered one at a time
    this.attempt = 0;
    this.retryTimer = null;
    this.onOnline = () => this.reconnect("online", { now: true });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  setState(state, extra = {}) {
    this.state = state;
    this.emit("state", { state, ...extra });
  }

  setMode(mode) {
    if (this.mode === mode) return;
    this.mode = mode;
    this.emit("mode", { mode });
  }

  get kinds() {
    return this.wantVideo || this.receiveVideo ? ["audio", "video"] : ["audio"];
  }

  // Connect, join, hear everyone; with publish, also send our microphone (and camera with video).
  // Resolves once in the room; `publishing` is false when the room refused our microphone.
  async start({ publish = false, video = false, receiveVideo = video, microphone = null, deviceId = null } = {}) {
    this.wantPublish = publish;
    this.wantVideo = video;
    this.receiveVideo = receiveVideo;
    this.local = microphone;
    this.deviceId = deviceId;
    this.stopped = false;
    window.addEventListener("online", this.onOnline);
    this.setState("connecting");
    try {
      await this.connect();
    } catch (error) {
      this.close();
      throw error;
    }
    this.setState("connected");
  }

  async connect() {
    const grant = await this.fetchGrant();
    this.room = grant.room;
    this.iceServers = grant.ice_servers || [];
    this.perms = grant.perms || [];
    await this.open(grant);
    const joined = await this.request({ type: "join", room: this.room });
    this.peerId = joined.peer_id;
    this.peers = new Map(joined.peers.map((peer) => [peer.peer_id, { name: peer.name }]));
    this.producers = new Map(joined.producers.map((p) => [p.producer_id, p]));
    this.consumers.clear();
    this.consumed.clear();
    this.setMode("relay");
    this.emit("peers", { peers: this.peers });
    this.subscribePc = this.newPeerConnection();
    this.subscribePc.addEventListener("track", (event) => this.onTrack(event));
    this.watchIce(this.subscribePc);
    this.publishing = false;
    const direct = this.p2pEligible(); // we joined one other peer: we offer them a direct connection
    if (direct) this.startP2p({ initiator: true });
    if (this.maySend) { // asking for a microphone the room would refuse helps nobody
      try {
        await this.publish();
      } catch (error) { // "forbidden": the room microphone is off for us; we keep listening
        if (error.code !== "forbidden" && error.code !== "muted_by_moderator") throw error;
      }
    }
    if (!direct) await this.consumeAll();
  }

  open(grant) {
    const separator = grant.url.includes("?") ? "&" : "?";
    const socket = new WebSocket(`${grant.url}${separator}token=${encodeURIComponent(grant.token)}`);
    this.socket = socket;
    socket.addEventListener("message", (message) => this.socket === socket && this.onMessage(JSON.parse(message.data)));
    socket.addEventListener("close", (close) => this.socket === socket && this.onClose(close));
    return new Promise((resolve, reject) => {
      socket.addEventListener("open", resolve, { once: true });
      socket.addEventListener("close", () => reject(new Error("The voice server refused the connection.")), { once: true });
    });
  }

  send(message) {
    if (this.socket && this.socket.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(message));
  }

  request(message) {
    if (!this.socket || this.socket.readyState !== WebSocket.OPEN) return Promise.reject(new Error("Not connected to voice."));
    const ref = String(this.nextRef++);
    this.send({ ...message, ref });
    return new Promise((resolve, reject) => this.pending.set(ref, { resolve, reject }));
  }

  newPeerConnection() {
    return new RTCPeerConnection({ iceServers: this.iceServers, bundlePolicy: "max-bundle" });
  }

  watchIce(pc) {
    pc.addEventListener("connectionstatechange", () => {
      if (pc.connectionState === "failed" && (pc === this.publishPc || pc === this.subscribePc)) this.reconnect("ice_failed");
    });
  }

  // Our microphone (and camera), asked for once and kept across reconnects.
  localMedia() {
    if (!this.localReady) {
      const audio = this.deviceId ? { ...AUDIO_CONSTRAINTS, deviceId: { exact: this.deviceId } } : AUDIO_CONSTRAINTS;
      this.localReady = this.local ? Promise.resolve(this.local) : navigator.mediaDevices.getUserMedia({ audio, video: this.wantVideo });
      this.localReady.then((local) => { this.local = local; }, () => { this.localReady = null; });
    }
    return this.localReady.then((local) => {
      local.getAudioTracks().forEach((t) => { t.enabled = !this.muted; });
      return local;
    });
  }

  // The token's rights at grant time; the relay's live answer decides what it forwards, and a
  // direct partner plays us only while the relay holds an unpaused producer of ours.
  get maySend() {
    return this.wantPublish && this.perms.includes("publish_audio");
  }

  async publish() {
    const local = await this.localMedia();
    const pc = this.newPeerConnection();
    for (const track of local.getTracks()) pc.addTransceiver(track, { direction: "sendonly", streams: [local] });
    try {
      await pc.setLocalDescription(await pc.createOffer());
      await waitForGathering(pc);
      const answer = await this.request({ type: "produce", sdp: pc.localDescription.sdp });
      await pc.setRemoteDescription({ type: "answer", sdp: answer.sdp });
    } catch (error) {
      pc.close();
      throw error;
    }
    this.publishPc = pc;
    this.watchIce(pc);
    this.publishing = true;
    if (this.muted) await this.request({ type: "mute", muted: true, kind: "audio" }); // muted before a reconnect
  }

  async consume(producers) {
    const wanted = producers.filter((p) => this.kinds.includes(p.kind) && !this.consumed.has(p.producer_id));
    for (const p of wanted) this.consumed.add(p.producer_id);
    if (wanted.length) await this.request({ type: "consume", producer_ids: wanted.map((p) => p.producer_id) });
  }

  consumeAll() {
    return this.consume([...this.producers.values()]);
  }

  // ------------------------------------------------------------ devices, mute

  static async microphones() {
    return (await navigator.mediaDevices.enumerateDevices()).filter((d) => d.kind === "audioinput");
  }

  get microphoneId() {
    const track = this.local && this.local.getAudioTracks()[0];
    return track ? track.getSettings().deviceId : this.deviceId;
  }

  // Switch microphones mid-call: replaceTrack on each sender, no renegotiation.
  async setMicrophone(deviceId) {
    this.deviceId = deviceId;
    if (!this.local) return;
    const fresh = await navigator.mediaDevices.getUserMedia({ audio: { ...AUDIO_CONSTRAINTS, deviceId: { exact: deviceId } } });
    const track = fresh.getAudioTracks()[0];
    track.enabled = !this.muted;
    const senders = [this.publishPc, this.p2p && this.p2p.pc].filter(Boolean)
      .flatMap((pc) => pc.getSenders()).filter((s) => s.track && s.track.kind === "audio");
    await Promise.all(senders.map((sender) => sender.replaceTrack(track)));
    for (const old of this.local.getAudioTracks()) {
      this.local.removeTrack(old);
      old.stop();
    }
    this.local.addTrack(track);
  }

  // Mute our microphone: the relay stops forwarding it, and the track sends silence (also P2P).
  // Our camera on or off: new local media (the microphone kept muted or not), then rejoin.
  setCamera(on) {
    if (on === this.wantVideo || this.state !== "connected") return;
    this.wantVideo = on;
    if (this.local) this.local.getTracks().forEach((t) => t.stop());
    this.local = this.localReady = null;
    this.publishing = false;
    this.emit("camera", { on });
    this.reconnect("camera", { now: true });
  }

  async setMuted(muted) {
    this.muted = muted;
    if (this.local) this.local.getAudioTracks().forEach((t) => { t.enabled = !muted; });
    if (this.publishPc) await this.request({ type: "mute", muted, kind: "audio" });
    this.emit("muted", { muted, byModerator: false });
  }

  // ------------------------------------------------------------ P2P first for 1:1

  p2pEligible() {
    const [partner] = this.peers.keys();
    return this.p2pEnabled && this.peers.size === 1 && !this.p2pFailed.has(partner);
  }

  startP2p({ initiator }) {
    const [partner] = this.peers.keys();
    const pc = this.newPeerConnection();
    const p2p = { pc, partner, initiator, tracks: [], timer: null };
    this.p2p = p2p;
    this.setMode("p2p-trying");
    // The offerer decides (and says "bye"); the answerer waits longer, as the offer takes the
    // partner's getUserMedia and ICE gathering to arrive.
    const timeout = initiator ? this.p2pTimeoutMs : 2 * this.p2pTimeoutMs + GATHER_TIMEOUT_MS;
    p2p.timer = setTimeout(() => this.p2p === p2p && this.fallBackToRelay("timeout"), timeout);
    pc.addEventListener("track", (event) => {
      p2p.tracks.push(event.track);
      this.applyRemoteMutes();
      this.emit("track", { peerId: partner, track: event.track, kind: event.track.kind, via: "p2p" });
    });
    pc.addEventListener("connectionstatechange", () => {
      if (this.p2p !== p2p) return;
      if (pc.connectionState === "connected") {
        clearTimeout(p2p.timer);
        this.setMode("p2p");
      } else if (pc.connectionState === "failed") {
        this.fallBackToRelay("failed");
      }
    });
    if (initiator) this.offerP2p(p2p).catch(() => this.p2p === p2p && this.fallBackToRelay("failed"));
  }

  // Our tracks on the direct connection (receive only when we may not talk).
  async attachLocal(pc) {
    const local = this.maySend ? await this.localMedia().catch(() => null) : null;
    for (const kind of this.kinds) {
      const track = local ? local.getTracks().find((t) => t.kind === kind) : null;
      const existing = pc.getTransceivers().find((t) => t.receiver.track.kind === kind);
      if (existing) {
        existing.direction = "sendrecv";
        if (track) await existing.sender.replaceTrack(track);
      } else {
        pc.addTransceiver(track || kind, { direction: "sendrecv", streams: track ? [local] : [] });
      }
    }
  }

  async offerP2p(p2p) {
    await this.attachLocal(p2p.pc);
    await p2p.pc.setLocalDescription(await p2p.pc.createOffer());
    await waitForGathering(p2p.pc);
    if (this.p2p === p2p) this.send({ type: "p2p.signal", to: p2p.partner, data: { type: "offer", sdp: p2p.pc.localDescription.sdp } });
  }

  async onP2pSignal(from, data) {
    const p2p = this.p2p;
    if (data.type === "bye") {
      this.p2pFailed.add(from);
      if (p2p && p2p.partner === from) this.fallBackToRelay("partner", { tell: false });
      return;
    }
    if (!p2p || p2p.partner !== from) { // not (or no longer) trying with them: they should use the relay
      this.send({ type: "p2p.signal", to: from, data: { type: "bye" } });
      return;
    }
    try {
      if (data.type === "offer" && !p2p.initiator) {
        await p2p.pc.setRemoteDescription({ type: "offer", sdp: data.sdp });
        await this.attachLocal(p2p.pc);
        await p2p.pc.setLocalDescription(await p2p.pc.createAnswer());
        await waitForGathering(p2p.pc);
        if (this.p2p === p2p) this.send({ type: "p2p.signal", to: from, data: { type: "answer", sdp: p2p.pc.localDescription.sdp } });
      } else if (data.type === "answer" && p2p.initiator) {
        await p2p.pc.setRemoteDescription({ type: "answer", sdp: data.sdp });
      }
    } catch (error) {
      if (this.p2p === p2p) this.fallBackToRelay("failed");
    }
  }

  closeP2p() {
    const p2p = this.p2p;
    if (!p2p) return;
    this.p2p = null;
    clearTimeout(p2p.timer);
    p2p.pc.close();
    if (p2p.tracks.length) this.emit("trackended", { peerId: p2p.partner });
  }

  // The direct connection did not come up (or a third peer joined): everyone through the relay.
  fallBackToRelay(reason, { tell = true } = {}) {
    const p2p = this.p2p;
    if (p2p && reason !== "third_peer") this.p2pFailed.add(p2p.partner);
    if (p2p && tell && this.peers.has(p2p.partner)) this.send({ type: "p2p.signal", to: p2p.partner, data: { type: "bye" } });
    this.closeP2p();
    this.setMode("relay");
    this.consumeAll().catch((error) => this.emit("error", error));
  }

  // In a direct call the relay cannot stop the partner's media; their relay producer's state
  // (paused by them or a moderator, or refused / closed) decides whether we play it.
  applyRemoteMutes() {
    this.emit("producers", { producers: this.producers }); // who is muted changed (the page's seats)
    if (!this.p2p) return;
    const live = new Set([...this.producers.values()]
      .filter((p) => p.peer_id === this.p2p.partner && !p.paused).map((p) => p.kind));
    for (const track of this.p2p.tracks) track.enabled = live.has(track.kind);
  }

  // ------------------------------------------------------------ leaving, reconnecting

  leave() {
    this.send({ type: "leave" });
    this.finish({ code: 1000, reason: "left" });
  }

  // Tear down the connections; the local media survives a reconnect, not this.
  teardown() {
    this.closeP2p();
    for (const pc of [this.publishPc, this.subscribePc]) if (pc) pc.close();
    this.publishPc = this.subscribePc = null;
    for (const { reject } of this.pending.values()) reject(new Error("The voice connection closed."));
    this.pending.clear();
    this.answering = Promise.resolve();
    const socket = this.socket;
    this.socket = null;
    if (socket) socket.close();
  }

  close() {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    window.removeEventListener("online", this.onOnline);
    this.teardown();
    if (this.local) this.local.getTracks().forEach((t) => t.stop());
    this.local = this.localReady = null;
    this.publishing = false;
  }

  finish({ code, reason }) {
    if (this.state === "closed") return;
    this.close();
    this.peers = new Map();
    this.setState("closed", { code, reason });
  }

  // Network change: rejoin with a fresh grant, after a jittered backoff (now, when back online).
  reconnect(reason, { now = false } = {}) {
    if (this.stopped || this.state === "idle" || this.state === "connecting") return;
    if (this.state === "reconnecting" && !now) return;
    clearTimeout(this.retryTimer);
    this.teardown();
    if (this.state !== "reconnecting") {
      this.setState("reconnecting", { reason });
      for (const peerId of this.peers.keys()) this.emit("trackended", { peerId });
    }
    if (now) this.attempt = 0;
    this.retryTimer = setTimeout(() => this.retry(), now ? 0 : backoffDelay(this.attempt++));
  }

  async retry() {
    if (this.stopped) return;
    try {
      await this.connect();
    } catch (error) {
      if (this.stopped) return;
      if (isFinal(error)) return this.finish({ code: error.status, reason: error.code || "refused" });
      this.teardown();
      this.retryTimer = setTimeout(() => this.retry(), backoffDelay(this.attempt++));
      return;
    }
    this.attempt = 0;
    this.setState("connected");
  }

  // ------------------------------------------------------------ incoming

  onTrack(event) {
    const consumer = this.consumers.get(event.transceiver.mid);
    if (!consumer) return;
    this.emit("track", { peerId: consumer.peer_id, track: event.track, kind: consumer.kind, via: "relay" });
  }

  answerOffer(offer) {
    const pc = this.subscribePc;
    this.answering = this.answering.then(async () => {
      if (pc !== this.subscribePc) return;
      for (const consumer of offer.consumers) this.consumers.set(consumer.mid, consumer);
      await pc.setRemoteDescription({ type: "offer", sdp: offer.sdp });
      await pc.setLocalDescription(await pc.createAnswer());
      await waitForGathering(pc);
      if (pc === this.subscribePc) await this.request({ type: "answer", sdp: pc.localDescription.sdp });
    }).catch((error) => this.emit("error", { code: "negotiation_failed", message: String(error) }));
  }

  onPeersChanged() {
    this.emit("peers", { peers: this.peers });
    if (this.p2p && !this.peers.has(this.p2p.partner)) {
      this.closeP2p(); // the partner left: nobody to talk to
      this.setMode("relay");
    } else if (this.p2p && this.peers.size > 1) {
      this.fallBackToRelay("third_peer", { tell: false }); // the newcomer makes everyone use the relay
    } else if (!this.p2p && this.mode === "relay" && this.consumed.size === 0 && this.p2pEligible()) {
      this.startP2p({ initiator: false }); // someone joined us: they offer, we answer
    }
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
      case "p2p.signal:":
        this.onP2pSignal(message.from, message.data);
        break;
      case "error:":
        this.emit("error", message);
        break;
      case "kicked:":
        this.kickedReason = message.reason;
        break;
      case "media_relay.peer:joined":
        this.peers.set(message.peer_id, { name: message.name });
        this.onPeersChanged();
        break;
      case "media_relay.peer:left":
        this.peers.delete(message.peer_id);
        this.emit("trackended", { peerId: message.peer_id });
        this.onPeersChanged();
        break;
      case "media_relay.producer:added":
        if (message.producer.peer_id === this.peerId) break;
        this.producers.set(message.producer.producer_id, message.producer);
        this.applyRemoteMutes();
        if (this.mode === "relay") this.consume([message.producer]).catch((error) => this.emit("error", error));
        break;
      case "media_relay.producer:closed":
        this.producers.delete(message.producer_id);
        this.applyRemoteMutes();
        break;
      case "media_relay.producer:paused":
      case "media_relay.producer:resumed": {
        const muted = message.op === "paused";
        const producer = this.producers.get(message.producer_id);
        if (producer) producer.paused = muted;
        this.applyRemoteMutes();
        if (message.peer_id === this.peerId && message.by === "moderator") {
          this.muted = muted;
          if (this.local) this.local.getAudioTracks().forEach((t) => { t.enabled = !muted; });
          this.emit("muted", { muted, byModerator: true });
        }
        break;
      }
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
    if (this.stopped) return;
    if (NO_RECONNECT.has(close.code)) this.finish({ code: close.code, reason: this.kickedReason || close.reason });
    else if (this.state !== "connecting") this.reconnect(close.reason || `closed ${close.code}`); // else start() reports it
  }
}
