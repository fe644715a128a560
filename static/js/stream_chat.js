// A channel's live chat on the stream socket (docs/realtime.md "Streams", docs/streams.md "Live chat and
// moderation"): the hello's chat snapshot, messages with badges, the pinned bar, moderators' message menu
// (delete, timeout 10 min / 1 h, ban, pin) and mode toggles, reactions with floating counts from the
// server's bursts, and alerts. Who may do what arrives as data (hello.chat.me); the server decides.

const REACTIONS = ["\u{1F525}", "\u{1F44F}", "\u{1F602}", "\u{2764}\u{FE0F}", "\u{1F62E}"];
const BADGE_LABELS = { owner: "Host", moderator: "Mod", vip: "VIP", subscriber: "Sub", founder: "Founder", premium: "Premium" };
const TIMEOUTS = [["10 min", 600], ["1 h", 3600]];

function el(tag, props = {}, ...children) {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child);
  return node;
}

function describeRestriction(restriction) {
  if (!restriction) return "";
  if (restriction.kind === "ban") return restriction.expires_at ? `You are banned until ${new Date(restriction.expires_at).toLocaleTimeString()}.` : "You are banned from this chat.";
  return `You are timed out until ${new Date(restriction.expires_at).toLocaleTimeString()}.`;
}

export function mountStreamChat(root, socket, { userId = null } = {}) {
  const $ = (id) => root.querySelector(`#${id}`);
  const list = $("chat-list");
  const status = $("chat-status");
  const input = $("chat-input");
  let me = { is_moderator: false, badges: [], restriction: null };
  let firstId = null;
  let pinnedId = null;

  const setStatus = (text, kind = "") => { status.textContent = text; status.dataset.kind = kind; };
  const signedIn = userId !== null;
  const restricted = () => me.restriction && (!me.restriction.expires_at || new Date(me.restriction.expires_at) > new Date());

  function refreshForm() {
    $("chat-form").hidden = !signedIn;
    if (!signedIn) setStatus("Sign in to chat.");
    else if (restricted()) setStatus(describeRestriction(me.restriction), "restricted");
    else if (status.dataset.kind === "restricted") setStatus("");
    $("chat-mod-tools").hidden = !me.is_moderator;
    root.dataset.moderator = String(me.is_moderator);
  }

  function send(message) { socket.send({ ref: message.type, ...message }); }

  function menu(message) {
    const items = [];
    if (me.is_moderator) {
      items.push(["Pin", () => send({ type: "chat.pin_message", id: message.id })]);
      if (message.author.id !== userId && !message.badges.includes("owner")) {
        for (const [label, seconds] of TIMEOUTS) items.push([`Timeout ${label}`, () => send({ type: "chat.timeout", user_id: message.author.id, seconds })]);
        items.push(["Ban", () => send({ type: "chat.ban", user_id: message.author.id })]);
      }
    }
    if (me.is_moderator || message.author.id === userId) items.push(["Delete", () => send({ type: "chat.delete", id: message.id })]);
    if (!items.length) return null;
    const box = el("details", { className: "chat-menu" }, el("summary", { textContent: "...", title: "Message actions" }));
    for (const [label, act] of items) {
      box.append(el("button", { type: "button", className: "btn btn-sm", textContent: label, onclick: () => { box.open = false; act(); } }));
    }
    return box;
  }

  function render(message) {
    const row = el("li", { className: "chat-message" });
    row.dataset.id = message.id;
    row.dataset.author = message.author.id;
    for (const badge of message.badges) row.append(el("span", { className: `chat-badge badge-${badge}`, textContent: BADGE_LABELS[badge] || badge }), " ");
    row.append(el("span", { className: "chat-author", textContent: message.author.display_name || message.author.handle }), " ");
    row.append(el("span", { className: "chat-body", textContent: message.is_deleted ? "(deleted)" : message.body }));
    if (message.is_deleted) row.classList.add("is-deleted");
    else { const actions = menu(message); if (actions) row.append(" ", actions); }
    return row;
  }

  function append(message) {
    const existing = list.querySelector(`[data-id="${message.id}"]`);
    if (existing) { existing.replaceWith(render(message)); return; }
    const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
    list.append(render(message));
    if (firstId === null) firstId = message.id;
    if (atBottom) list.scrollTop = list.scrollHeight;
  }

  function showPin(pin) {
    pinnedId = pin ? pin.message.id : null;
    $("chat-pin").hidden = !pin;
    $("chat-pin-text").textContent = pin ? `${pin.message.author.handle}: ${pin.message.body}` : "";
    $("chat-unpin").hidden = !(pin && me.is_moderator);
  }

  function showModes(modes) {
    const parts = [];
    if (modes.slow_mode_seconds) parts.push(`Slow mode: ${modes.slow_mode_seconds} s`);
    if (modes.is_emote_only) parts.push("Emote only");
    if (modes.followers_only_minutes !== null) parts.push(`Followers only (${modes.followers_only_minutes} min)`);
    if (modes.is_subscribers_only) parts.push("Subscribers only");
    $("chat-modes-line").textContent = parts.join(" · ");
    $("mode-slow").checked = Boolean(modes.slow_mode_seconds);
    $("mode-emote").checked = modes.is_emote_only;
    $("mode-followers").checked = modes.followers_only_minutes !== null;
    $("mode-subscribers").checked = modes.is_subscribers_only;
  }

  function floatCount(emoji, count) {
    const bubble = el("span", { className: "reaction-float", textContent: `${emoji} ${count}` });
    bubble.style.left = `${10 + Math.random() * 70}%`;
    $("chat-reactions").append(bubble);
    setTimeout(() => bubble.remove(), 2500);
  }

  function notice(text, kind) { list.append(el("li", { className: `chat-notice chat-notice-${kind}`, textContent: text })); list.scrollTop = list.scrollHeight; }

  socket.on("hello", (hello) => {
    me = hello.chat.me;
    list.replaceChildren();
    firstId = null;
    for (const message of hello.chat.messages) append(message);
    showPin(hello.chat.pinned);
    showModes(hello.chat.modes);
    refreshForm();
    root.dataset.connected = "true";
  });
  socket.on("close", () => { root.dataset.connected = "false"; });
  socket.on("streams.chat", (event) => {
    if (event.op === "created") append(event.message);
    if (event.op === "deleted") {
      const row = list.querySelector(`[data-id="${event.id}"]`);
      if (row) { row.classList.add("is-deleted"); row.querySelector(".chat-body").textContent = "(deleted)"; row.querySelector(".chat-menu")?.remove(); }
    }
  });
  socket.on("history", (page) => {
    const anchor = list.firstChild;
    for (const message of page.messages) {
      if (!list.querySelector(`[data-id="${message.id}"]`)) list.insertBefore(render(message), anchor);
    }
    if (page.messages.length) firstId = page.messages[0].id;
    $("chat-earlier").hidden = page.messages.length === 0;
  });
  socket.on("chat.pin", (event) => {
    if (event.op === "pinned") showPin(event.pin);
    else if (pinnedId === event.message_id) showPin(null);
  });
  socket.on("chat.modes", (event) => showModes(event.modes));
  socket.on("chat.restriction", (event) => {
    const target = event.op === "lifted" ? event.user_id : event.restriction.user.id;
    if (event.op !== "lifted") {
      for (const row of list.querySelectorAll(`[data-author="${target}"]`)) row.classList.add("is-restricted");
      notice(`${event.restriction.user.handle} was ${event.op === "banned" ? "banned" : "timed out"}.`, "moderation");
    }
    if (target === userId) {
      me = { ...me, restriction: event.op === "lifted" ? null : event.restriction };
      if (event.op === "lifted") setStatus("");
      refreshForm();
    }
  });
  socket.on("chat.reactions", (event) => { for (const [emoji, count] of Object.entries(event.counts)) floatCount(emoji, count); });
  socket.on("streams.alert", (event) => {
    const a = event.alert;
    const who = a.actor ? a.actor.handle : "Someone";
    const amount = a.amount_minor !== null ? ` ${(a.amount_minor / 100).toFixed(2)} ${a.currency || ""}` : "";
    notice(`${who} ${a.kind === "donation" ? "donated" : "subscribed"}${amount}${a.message ? `: ${a.message}` : ""}`, "alert");
  });
  socket.on("error", (error) => {
    if (error.code === "chat_timed_out" || error.code === "chat_banned") {
      setStatus(error.message + (error.extra.expires_at ? ` (until ${new Date(error.extra.expires_at).toLocaleTimeString()})` : ""), "refused");
      root.dataset.refused = error.code;
    } else if (String(error.ref || "").startsWith("chat.") || String(error.ref || "").startsWith("reaction.")) {
      setStatus(error.message, "refused");
      root.dataset.refused = error.code;
    }
  });

  $("chat-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    send({ type: "chat.send", body });
    input.value = "";
  });
  $("chat-earlier").addEventListener("click", () => { if (firstId !== null) send({ type: "chat.history", before_id: firstId }); });
  $("chat-unpin").addEventListener("click", () => send({ type: "chat.unpin" }));
  const modes = {
    "mode-slow": () => ({ slow_mode_seconds: $("mode-slow").checked ? 30 : 0 }),
    "mode-emote": () => ({ is_emote_only: $("mode-emote").checked }),
    "mode-followers": () => ({ followers_only_minutes: $("mode-followers").checked ? Number($("mode-followers-minutes").value || 0) : null }),
    "mode-subscribers": () => ({ is_subscribers_only: $("mode-subscribers").checked }),
  };
  for (const [id, change] of Object.entries(modes)) $(id).addEventListener("change", () => send({ type: "chat.modes_set", ...change() }));
  if (signedIn) {
    for (const emoji of REACTIONS) {
      $("reaction-bar").append(el("button", { type: "button", className: "btn btn-sm reaction-button", textContent: emoji, onclick: () => send({ type: "reaction.send", emoji }) }));
    }
  }
  refreshForm();
}
