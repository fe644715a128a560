// The stage (docs/streams.md "The stage"): for a viewer, the guests' tiles, a hand to raise, the
// full-screen call-style invite prompt (Accept asks for the microphone; 30 s, then it declines itself)
// and the poll; for the host (the studio), invites by @handle with suggestions among current viewers,
// the queue of raised hands, mute / remove, polls and the raid. The server decides; we ask and show.

import { api } from "./api.js";
import { icon } from "./icons.js";
import { toast } from "./toast.js";

const $ = (selector) => document.querySelector(selector);
const stageUrl = (streamId) => `/api/v1/streams/${streamId}/stage`;

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

// A guest's (or the host's) voice: one <audio> per relay peer, following the player's mute button.
// A user as events carry them (accounts.events.UserSummary): the display name, or the @handle without one.
const nameOf = (user) => user.display_name || user.handle;

export function playStageAudio(container, { peerId, track, kind }) {
  if (kind !== "audio") return;
  let audio = container.querySelector(`audio[data-peer="${CSS.escape(peerId)}"]`);
  if (!audio) {
    audio = el("audio", { autoplay: true });
    audio.dataset.peer = peerId;
    audio.muted = container.dataset.muted === "true";
    container.append(audio);
  }
  audio.srcObject = new MediaStream([track]);
  audio.play().catch(() => {});
}

export function setStageAudioMuted(container, muted) {
  container.dataset.muted = String(muted);
  for (const audio of container.querySelectorAll("audio")) audio.muted = muted;
}

// ---------------------------------------------------------------- polls (both sides)

function renderPoll(list, poll, { onVote = null, voted = false } = {}) {
  const total = poll.counts.reduce((a, b) => a + b, 0);
  list.replaceChildren(...poll.options.map((text, index) => {
    const share = total ? Math.round((100 * poll.counts[index]) / total) : 0;
    const bar = el("span", { className: "poll-bar" });
    bar.style.width = `${share}%`;
    const label = el("span", { className: "poll-label", textContent: `${text} · ${share}% (${poll.counts[index]})` });
    const item = el("li", {}, bar, label);
    if (onVote && poll.is_open && !voted) {
      const button = el("button", { type: "button", className: "btn btn-sm", textContent: "Vote" });
      button.addEventListener("click", () => onVote(index));
      item.append(button);
    }
    return item;
  }));
}

// ---------------------------------------------------------------- the viewer

export function viewerStage({ streamId, userId, socket, onAccepted, onLeft }) {
  const tiles = $("#stage-tiles");
  const prompt = $("#stage-prompt");
  const handButton = $("#stage-hand");
  const leaveButton = $("#stage-leave");
  const seats = new Map();
  let invite = null;
  let countdown = null;
  let handUp = false;
  let onStage = false;
  let accepting = false; // our Accept is on its way: it publishes with the microphone it asked for
  let poll = null;
  let voted = false;

  function renderTiles() {
    tiles.replaceChildren(...[...seats.values()].map((seat) => {
      const avatar = seat.user.avatar_url ? el("img", { src: seat.user.avatar_url, alt: "", className: "stage-avatar" })
        : el("span", { className: "stage-avatar stage-initial", textContent: nameOf(seat.user).slice(0, 1).toUpperCase() });
      const tile = el("li", { className: "stage-tile" }, avatar, el("span", { textContent: nameOf(seat.user) }),
        seat.muted ? icon("mic-off", { label: "Muted", size: 16 }) : icon("mic", { label: "Speaking", size: 16 }));
      tile.dataset.user = String(seat.user.id);
      return tile;
    }));
    const mine = [...seats.values()].some((seat) => seat.user.id === userId);
    if (mine !== onStage) {
      onStage = mine;
      if (!mine && onLeft) onLeft();
      if (mine && !accepting) joined(); // a raised hand approved, or a reload while on stage
    }
    if (leaveButton) leaveButton.hidden = !onStage;
    if (handButton) handButton.hidden = onStage;
  }

  function renderHand() {
    if (!handButton) return;
    handButton.setAttribute("aria-pressed", String(handUp));
    handButton.querySelector("span").textContent = handUp ? "Lower hand" : "Raise hand";
  }

  function hidePrompt() {
    clearInterval(countdown);
    countdown = null;
    invite = null;
    prompt.hidden = true;
  }

  function showPrompt(seat, host) {
    const left = () => Math.max(0, Math.round((Date.parse(seat.expires_at) - Date.now()) / 1000));
    if (left() <= 0) return;
    invite = seat;
    $("#stage-prompt-host").textContent = nameOf(host);
    const avatar = $("#stage-prompt-avatar");
    avatar.hidden = !host.avatar_url;
    if (host.avatar_url) avatar.src = host.avatar_url;
    $("#stage-prompt-initial").hidden = Boolean(host.avatar_url);
    $("#stage-prompt-initial").textContent = nameOf(host).slice(0, 1).toUpperCase();
    $("#stage-prompt-seconds").textContent = left();
    prompt.hidden = false;
    $("#stage-accept").focus();
    clearInterval(countdown);
    countdown = setInterval(() => {
      $("#stage-prompt-seconds").textContent = left();
      if (left() <= 0) answer("decline");
    }, 250);
  }

  async function joined() {
    try {
      const microphone = await navigator.mediaDevices.getUserMedia({ audio: true });
      if (onAccepted) await onAccepted(microphone);
    } catch {
      toast("The microphone is needed on stage.", "error");
    }
  }

  async function answer(verb) {
    if (!invite) return;
    const answering = invite;
    let microphone = null;
    if (verb === "accept") {
      try {
        microphone = await navigator.mediaDevices.getUserMedia({ audio: true });
      } catch {
        toast("The microphone is needed to go on stage.", "error");
        return;
      }
    }
    hidePrompt();
    accepting = verb === "accept";
    try {
      const seat = await api("POST", `${stageUrl(streamId)}/invites/${answering.id}/${verb}/`);
      if (accepting) {
        seats.set(seat.id, seat); // on stage now, whether or not our "joined" event came first
        renderTiles();
        if (onAccepted) await onAccepted(microphone);
      }
    } catch (error) {
      if (microphone) microphone.getTracks().forEach((t) => t.stop());
      if (accepting) toast(error.message, "error");
    } finally {
      accepting = false;
    }
  }

  async function load() {
    const state = await api("GET", `${stageUrl(streamId)}/`);
    seats.clear();
    for (const seat of state.seats) seats.set(seat.id, seat);
    renderTiles();
    if (state.my_invite) showPrompt(state.my_invite, state.host);
    const polls = await api("GET", `/api/v1/streams/${streamId}/polls/`);
    if (polls.length) showPoll(polls[0]);
  }

  function showPoll(next) {
    if (!poll || poll.id !== next.id) voted = false;
    poll = next;
    $("#poll").hidden = false;
    $("#poll-question").textContent = poll.question;
    $("#poll-state").textContent = poll.is_open ? "Open" : "Closed";
    renderPoll($("#poll-options"), poll, { onVote: userId ? vote : null, voted });
  }

  async function vote(option) {
    try {
      await api("POST", `/api/v1/streams/${streamId}/polls/${poll.id}/vote/`, { option });
    } catch (error) {
      if (error.code !== "poll_already_voted") toast(error.message, "error");
    }
    voted = true;
    showPoll(poll);
  }

  $("#stage-accept").addEventListener("click", () => answer("accept"));
  $("#stage-decline").addEventListener("click", () => answer("decline"));
  if (handButton) handButton.addEventListener("click", async () => {
    try {
      if (handUp) await api("DELETE", `${stageUrl(streamId)}/hand/`);
      else await api("POST", `${stageUrl(streamId)}/hand/`);
      handUp = !handUp;
      renderHand();
    } catch (error) { toast(error.message, "error"); }
  });
  if (leaveButton) leaveButton.addEventListener("click", async () => {
    try { await api("POST", `${stageUrl(streamId)}/leave/`); } catch (error) { toast(error.message, "error"); }
  });

  socket.on("hello", () => load().catch(() => {}));
  socket.on("streams.stage_invite", (event) => {
    if (event.op === "invited") showPrompt(event.invite, event.host);
    else if (invite && invite.id === event.invite_id) hidePrompt();
  });
  socket.on("streams.stage", (event) => {
    const seat = event.seat;
    if (seat.user.id === userId && seat.kind === "hand" && event.op !== "hand_raised") {
      handUp = false;
      renderHand();
    }
    if (event.op === "joined" || event.op === "muted" || event.op === "unmuted") seats.set(seat.id, seat);
    if (event.op === "left") seats.delete(seat.id);
    renderTiles();
  });
  socket.on("streams.poll", (event) => showPoll(event.poll));
  socket.on("streams.raid", (event) => {
    toast(`Raid! Off to ${event.target.channel.name}.`);
    window.location.assign(event.url);
  });
}

// ---------------------------------------------------------------- the host

// An invite goes over the studio's own stream socket when it is open (`stage.invite`: no HTTP request on the
// way to the viewer's prompt, docs/realtime.md), answered by `invite_sent` or an error frame with our ref;
// through the API otherwise.
const INVITE_TIMEOUT_MS = 10000;

function socketInviter(socket) {
  const pending = new Map();
  let refs = 0;
  const settle = (frame, ok) => {
    const waiting = pending.get(frame.ref);
    if (!waiting) return;
    pending.delete(frame.ref);
    clearTimeout(waiting.timer);
    if (ok) waiting.resolve(frame.invite);
    else waiting.reject(new Error(frame.message));
  };
  socket.on("invite_sent", (frame) => settle(frame, true));
  socket.on("error", (frame) => settle(frame, false));
  return (body) => new Promise((resolve, reject) => {
    const ref = `invite-${++refs}`;
    const timer = setTimeout(() => settle({ ref, message: "The server did not answer." }, false), INVITE_TIMEOUT_MS);
    pending.set(ref, { resolve, reject, timer });
    socket.send({ type: "stage.invite", ref, ...body });
  });
}

export function hostStage({ streamId, socket }) {
  const inviteOverSocket = socketInviter(socket);
  const panel = $("#stage-host");
  const requests = $("#stage-requests");
  const guests = $("#stage-guests");
  const handle = $("#stage-handle");
  let poll = null;
  panel.hidden = false;
  $("#poll-host").hidden = false;
  $("#raid-host").hidden = false;

  const act = (fn) => async () => { try { await fn(); } catch (error) { toast(error.message, "error"); } };
  const button = (label, iconName, fn, className = "btn btn-sm") => {
    const b = el("button", { type: "button", className }, icon(iconName, { size: 14 }), ` ${label}`);
    b.addEventListener("click", act(fn));
    return b;
  };

  function row(seat, ...buttons) {
    const item = el("li", {}, el("span", { textContent: `@${seat.user.handle}` }), ...buttons);
    item.dataset.seat = String(seat.id);
    return item;
  }

  async function load() {
    const state = await api("GET", `${stageUrl(streamId)}/`);
    $("#stage-count").textContent = `${state.seats.length} / ${state.seats_max} guests`;
    requests.replaceChildren(...state.requests.map((seat) => (seat.kind === "hand"
      ? row(seat, button("Approve", "check", () => api("POST", `${stageUrl(streamId)}/hands/${seat.id}/`, { approve: true })),
        button("Deny", "x", () => api("POST", `${stageUrl(streamId)}/hands/${seat.id}/`, { approve: false })))
      : row(seat, el("span", { className: "muted small", textContent: "invited" }),
        button("Cancel", "x", () => api("POST", `${stageUrl(streamId)}/invites/${seat.id}/cancel/`))))));
    guests.replaceChildren(...state.seats.map((seat) => row(seat,
      button(seat.muted ? "Unmute" : "Mute", seat.muted ? "mic" : "mic-off",
        () => api("PATCH", `${stageUrl(streamId)}/guests/${seat.id}/`, { muted: !seat.muted })),
      button("Remove", "user-x", () => api("DELETE", `${stageUrl(streamId)}/guests/${seat.id}/`), "btn btn-sm btn-danger"))));
  }

  let typing = null;
  handle.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(async () => {
      const q = handle.value.trim().replace(/^@/, "");
      if (!q) return;
      const found = await api("GET", `${stageUrl(streamId)}/suggestions/?q=${encodeURIComponent(q)}`).catch(() => []);
      $("#stage-suggestions").replaceChildren(...found.map((u) => el("option", { value: `@${u.handle}`, label: nameOf(u) })));
    }, 150);
  });
  $("#stage-invite-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      const body = { handle: handle.value.trim(), video_allowed: $("#stage-video").checked };
      if (socket.socket?.readyState === WebSocket.OPEN) await inviteOverSocket(body);
      else await api("POST", `${stageUrl(streamId)}/invites/`, body);
      toast(`Invited ${handle.value.trim()}.`);
      handle.value = "";
    } catch (error) { toast(error.message, "error"); }
  });

  function showPoll(next) {
    poll = next;
    $("#poll-form").hidden = poll.is_open;
    $("#poll-live").hidden = false;
    $("#poll-end").hidden = !poll.is_open;
    $("#poll-live-question").textContent = poll.question;
    renderPoll($("#poll-live-options"), poll);
  }
  $("#poll-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      showPoll(await api("POST", `/api/v1/streams/${streamId}/polls/`, {
        question: $("#poll-question-input").value,
        options: $("#poll-options-input").value.split("\n").map((o) => o.trim()).filter(Boolean),
        seconds: Number($("#poll-seconds").value),
      }));
    } catch (error) { toast(error.message, "error"); }
  });
  $("#poll-end").addEventListener("click", act(async () => showPoll(await api("POST", `/api/v1/streams/${streamId}/polls/${poll.id}/end/`))));
  $("#raid-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!window.confirm("End the stream and send everyone to that channel?")) return;
    try { await api("POST", `/api/v1/streams/${streamId}/raid/`, { channel: $("#raid-channel").value.trim() }); } catch (error) { toast(error.message, "error"); }
  });

  socket.on("hello", () => load().catch(() => {}));
  socket.on("streams.stage", () => load().catch(() => {}));
  socket.on("streams.poll", (event) => showPoll(event.poll));
}
