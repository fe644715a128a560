// Client-side sync arithmetic, pure (no DOM, no timers): the mirror of rooms/sync.py.
//
// The server holds the truth, {is_playing, position, at (server epoch s), rate, duration}.
// A client needs three things to follow it:
//   1. ClockSync: its clock's offset to the server's, NTP-style, from ping/pong samples;
//   2. expectedPosition(): where the room is now, in media seconds;
//   3. DriftCorrector: what to do about the gap between its player and that position:
//      nothing (dead band), nudge the playback rate, or seek.
// All times here are milliseconds except media positions and state.at (seconds), as on the wire.
// Defaults come from bench/sync_accuracy.py (figures in bench/README.md).

export const SYNC_DEFAULTS = Object.freeze({
  // Measured with bench/sync_accuracy.py (4 chromium players, 0–100 ms jitter): a 5 ms band
  // oscillated (Chromium applies a new rate ~tens of ms late) and 20 ms left that much error;
  // a 400 ms window with ±20% converged in < 1 s (p50) where 750 ms/±10% took 1–1.6 s.
  // Players rest anywhere inside the band, so it sets the steady p95: 10 ms gave 9.9–10.6 ms,
  // 8 ms gave 7.4–8.4 ms without oscillating (3 players, 0 and 0–100 ms jitter).
  deadBandMs: 8, // |drift| at or below this: leave the player alone
  settleMs: 4, // once correcting, carry on until |drift| is below this (hysteresis)
  windowMs: 400, // nudge so that the drift would close over this window...
  maxNudge: 0.2, // ...but keep the rate within base × (1 ± maxNudge)
  seekThresholdMs: 400, // above this, seek instead of nudging (as Jellyfin's skip-to-sync)
  seekCooldownMs: 1500, // after a seek, nudge only, unless the drift is still above hardSeekMs
  hardSeekMs: 2000,
  seekLeadMs: 100, // first guess of how long a seek stalls playback (learnt: 80–140 ms here)
  seekLeadMaxMs: 1500,
  seekLeadGain: 0.6, // how much of a seek's observed residual goes into the next lead
  pausedToleranceMs: 15, // paused: re-seek when further than this from the room's position
  // Right after a timed start (room.js startOnTime) the player is off by the start latency's
  // variation (15–50 ms on a busy machine): one burst at ±catchUpNudge closes that at once,
  // where the gentle nudge took 0.5–0.8 s. Every rate change sets Chromium's position back by
  // about rateStepMs (bench/chromium_media_clock.py: 8.5–9.2 ms per change, whatever its size),
  // so the burst makes up for its own two changes; the step is learnt from each burst's residual.
  // room.js nudges direct video (continuous rates, starts on time) with the same burst.
  // A burst shorter than Chromium's ~100 ms rate latency is undone before it applies, steps and
  // all (a 12 ms burst left a +21 ms miss untouched, bench/sync_accuracy.py): a burst lasts at
  // least catchUpMinHoldMs, gentler when it has little to do, and faster when the drift is ahead by
  // less than the two steps (a 0.98x burst from a start 14 ms early overshot to -13 ms).
  // Misses past catchUpFarMs (a start late by 40–60 ms on a loaded machine) go at ±catchUpFarNudge.
  catchUpNudge: 0.25, // 0: no burst, the gentle nudge does it all
  catchUpFarMs: 30,
  catchUpFarNudge: 0.5,
  catchUpMinHoldMs: 150,
  catchUpMinNudge: 0.02,
  rateStepMs: 9,
  rateStepMaxMs: 25,
  fixedRateDeadBandMs: 60, // players with a fixed set of rates (YouTube) nudge only past this
  fixedRateMaxNudge: 0.25, // and only with a rate this close to the base rate
});

// YouTube's IFrame player accepts only these.
export const YOUTUBE_RATES = Object.freeze([0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2]);

// -- clock offset ----------------------------------------------------------------------------------

/**
 * NTP-style estimate of (server clock − client clock), in ms.
 *
 * A sample is one ping/pong: t0 = client time the ping left, t1 = client time the pong
 * arrived, server = server time stamped on the pong (and serverReceive when the server also
 * stamps the ping's arrival: then the server's processing time drops out of the delay).
 * offset = server − (t0 + t1)/2 is wrong by half the difference of the one-way delays, so
 * keep the last `size` samples and trust the lowest delays (as Jellyfin SyncPlay does):
 *
 *   method "bounds" (default): every sample bounds the offset, server − t1 ≤ offset ≤
 *     serverReceive − t0 (a one-way delay is never negative); intersect the last `size`
 *     intervals and take the middle. That uses the fastest trip *in each direction*, even
 *     from different samples. Measured better than min-RTT under both symmetric jitter and
 *     one-way spikes (bench/README.md). Where older samples disagree with newer ones (a clock
 *     step, or the clocks' rates drifting apart over a long window), only the newest samples
 *     that agree count: falling back to min-RTT there was off by half a round trip, hundreds
 *     of ms behind a busy server.
 *   method "min-rtt": the offset of the lowest-round-trip sample (mean of the `best` lowest).
 */
export class ClockSync {
  constructor({ size = 8, best = 1, method = "bounds" } = {}) {
    this.size = size;
    this.best = best;
    this.method = method;
    this.samples = [];
    this.fallbackOffset = 0;
  }

  add({ t0, server, t1, serverReceive = null }) {
    if (![t0, server, t1].every(Number.isFinite) || t1 < t0) return null;
    const received = Number.isFinite(serverReceive) ? serverReceive : server;
    if (received > server) return null;
    const rtt = t1 - t0 - (server - received);
    const offset = (received - t0 + (server - t1)) / 2;
    // low ≤ offset ≤ high: the pong can't arrive before it was sent, nor the ping.
    const sample = { t0, t1, server, received, offset, rtt: Math.max(0, rtt), low: server - t1, high: received - t0 };
    this.samples.push(sample);
    if (this.samples.length > this.size) this.samples.splice(0, this.samples.length - this.size);
    return sample;
  }

  /** The samples with the `best` lowest round trips (newest first among equals). */
  chosen() {
    return this.samples
      .map((sample, index) => ({ sample, index }))
      .sort((a, b) => a.sample.rtt - b.sample.rtt || b.index - a.index)
      .slice(0, this.best)
      .map(({ sample }) => sample);
  }

  /** [low, high] the offset must lie in, from the newest samples that agree; null with none. */
  bounds() {
    let low = -Infinity;
    let high = Infinity;
    for (let i = this.samples.length - 1; i >= 0; i--) {
      const s = this.samples[i];
      const nextLow = Math.max(low, s.low);
      const nextHigh = Math.min(high, s.high);
      if (nextLow > nextHigh) break; // older than a disagreement
      [low, high] = [nextLow, nextHigh];
    }
    return Number.isFinite(low) && Number.isFinite(high) ? [low, high] : null;
  }

  get count() {
    return this.samples.length;
  }

  /** ms to add to the client clock to read the server clock. */
  get offset() {
    if (!this.samples.length) return this.fallbackOffset;
    const bounds = this.method === "bounds" ? this.bounds() : null;
    if (bounds) return (bounds[0] + bounds[1]) / 2;
    const chosen = this.chosen();
    return chosen.reduce((sum, s) => sum + s.offset, 0) / chosen.length;
  }

  /** The lowest round trip seen. */
  get rtt() {
    const chosen = this.chosen();
    return chosen.length ? chosen[0].rtt : null;
  }

  /** How far off the offset can be (ms): half the bounds' width, or half the best round trip. */
  get uncertainty() {
    if (!this.samples.length) return null;
    const bounds = this.method === "bounds" ? this.bounds() : null;
    return bounds ? (bounds[1] - bounds[0]) / 2 : this.rtt / 2;
  }

  /** A rough offset to use until the first sample (e.g. the hello's server_time − arrival). */
  setFallback(offsetMs) {
    if (Number.isFinite(offsetMs)) this.fallbackOffset = offsetMs;
  }

  serverNow(clientNowMs) {
    return clientNowMs + this.offset;
  }

  reset() {
    this.samples = [];
  }
}

// -- the room's position -----------------------------------------------------------------------------

/** Where the room is at server time serverNowMs, in media seconds (rooms.sync.PlaybackState.position_at). */
export function expectedPosition(state, serverNowMs) {
  if (!state) return 0;
  let position = Number(state.position) || 0;
  if (state.is_playing) position += (serverNowMs / 1000 - state.at) * (state.rate ?? 1);
  if (state.duration !== null && state.duration !== undefined) position = Math.min(position, state.duration);
  return Math.max(0, position);
}

/** ms the player is ahead (+) or behind (−) of where the room is. */
export function driftMs(actualSeconds, expectedSeconds) {
  return (actualSeconds - expectedSeconds) * 1000;
}

/** The nearest rate a player accepts (null or empty `rates`: any rate). */
export function quantizeRate(rate, rates) {
  if (!rates || !rates.length) return rate;
  return rates.reduce((best, r) => (Math.abs(r - rate) < Math.abs(best - rate) ? r : best), rates[0]);
}

// -- correction policy ------------------------------------------------------------------------------

const clamp = (value, low, high) => Math.min(high, Math.max(low, value));

/**
 * Decides, tick by tick, how to bring a player back to the room's position.
 *
 *   |drift| ≤ deadBand           → nothing (with hysteresis: once correcting, go on to settleMs)
 *   deadBand < |drift| < seekThr  → playback rate base × (1 − drift/window), within ±maxNudge;
 *                                   players with fixed rates (YouTube) take the nearest
 *                                   available step and a hold time after which to go back
 *   |drift| ≥ seekThreshold       → seek to expected + lead, where the lead (how long a seek
 *                                   stalls this player) is learnt from the drift left after
 *                                   each seek; no second seek within seekCooldownMs unless
 *                                   the drift is beyond hardSeekMs
 *
 * Stateful (hysteresis, last seek, learnt lead) but pure: the caller passes the time.
 */
export class DriftCorrector {
  constructor(options = {}) {
    this.options = { ...SYNC_DEFAULTS, ...options };
    this.leadMs = this.options.seekLeadMs;
    this.rateStepMs = this.options.rateStepMs;
    this.isCorrecting = false;
    this.lastSeekAt = -Infinity;
  }

  /**
   * driftMs: player − room (ms). baseRate: the room's rate. rates: the player's fixed rates
   * (null: continuous). isPlaying: whether the room plays. nowMs: any monotonic clock.
   * Returns {action: "none"|"rate"|"seek", rate, leadMs?, holdMs?}.
   */
  decide({ driftMs: drift, baseRate = 1, rates = null, isPlaying = true, nowMs = 0 }) {
    const o = this.options;
    const base = quantizeRate(baseRate, rates);
    const size = Math.abs(drift);
    if (!isPlaying) {
      this.isCorrecting = false;
      return size > o.pausedToleranceMs ? { action: "seek", rate: base, leadMs: 0 } : { action: "none", rate: base };
    }
    const coolingDown = nowMs - this.lastSeekAt < o.seekCooldownMs;
    if (size >= o.hardSeekMs || (size >= o.seekThresholdMs && !coolingDown)) {
      this.isCorrecting = false;
      this.lastSeekAt = nowMs;
      return { action: "seek", rate: base, leadMs: this.leadMs };
    }
    const fixed = Array.isArray(rates) && rates.length > 0;
    const band = fixed ? Math.max(o.deadBandMs, o.fixedRateDeadBandMs) : o.deadBandMs;
    const settle = fixed ? band / 2 : o.settleMs;
    this.isCorrecting = this.isCorrecting ? size > settle : size > band;
    if (!this.isCorrecting) return { action: "none", rate: base };

    if (fixed) {
      // The smallest available step in the right direction, held just long enough.
      const wanted = drift < 0 ? rates.filter((r) => r > base) : rates.filter((r) => r < base);
      const step = wanted
        .filter((r) => Math.abs(r / base - 1) <= o.fixedRateMaxNudge + 1e-9)
        .sort((a, b) => Math.abs(a - base) - Math.abs(b - base))[0];
      if (step === undefined) return { action: "none", rate: base };
      return { action: "rate", rate: step, holdMs: size / Math.abs(step / base - 1) };
    }
    const nudge = clamp(-drift / o.windowMs, -o.maxNudge, o.maxNudge);
    const rate = base * (1 + nudge);
    return { action: "rate", rate, holdMs: size / Math.abs(nudge) };
  }

  /** After a seek has settled: the drift left over says how far the lead was off. */
  learnSeek(residualDriftMs) {
    const o = this.options;
    if (!Number.isFinite(residualDriftMs)) return this.leadMs;
    this.leadMs = clamp(this.leadMs - o.seekLeadGain * residualDriftMs, 0, o.seekLeadMaxMs);
    return this.leadMs;
  }

  /**
   * Right after a timed start: one rate burst that closes the drift, counting the position's
   * step back at each of its two rate changes (see the catchUp options above). Returns {action: "none"} inside the dead band
   * (or past the seek threshold: that's for decide(); or with catchUpNudge 0), else {action: "rate", rate, holdMs}: play
   * at `rate` for holdMs, then back at the base rate.
   */
  catchUp({ driftMs: drift, baseRate = 1 }) {
    const o = this.options;
    const size = Math.abs(drift);
    if (!(o.catchUpNudge > 0) || size <= o.deadBandMs || size >= o.seekThresholdMs) return { action: "none", rate: baseRate };
    // Media ms to gain (+) or lose (−) besides the two steps back. Slightly ahead, the steps alone
    // overshoot: then the burst runs faster, by what they take too much.
    const gain = -drift + 2 * this.rateStepMs;
    const direction = Math.sign(gain) || -1;
    const wanted = Math.abs(gain);
    const most = size > o.catchUpFarMs ? o.catchUpFarNudge : o.catchUpNudge;
    const holdMs = Math.max(o.catchUpMinHoldMs, wanted / (baseRate * most));
    const nudge = Math.max(o.catchUpMinNudge, wanted / (baseRate * holdMs));
    return { action: "rate", rate: baseRate * (1 + direction * nudge), holdMs };
  }

  /** After a catch-up burst: the drift left over says how far the rate step was off (each of the
   * two changes: half of it; smoothed by half again). */
  learnRateStep(residualDriftMs) {
    if (!Number.isFinite(residualDriftMs)) return this.rateStepMs;
    this.rateStepMs = clamp(this.rateStepMs - residualDriftMs / 4, 0, this.options.rateStepMaxMs);
    return this.rateStepMs;
  }

  /** A new source or a user's own seek: forget the hysteresis and cooldown (keep the lead). */
  reset() {
    this.isCorrecting = false;
    this.lastSeekAt = -Infinity;
  }
}

/** Format a drift for the sync indicator: "+12 ms", "−1.4 s". */
export function formatDrift(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  const size = Math.abs(ms);
  if (size < 0.5) return "±0 ms";
  const sign = ms > 0 ? "+" : "−";
  return size >= 1000 ? `${sign}${(size / 1000).toFixed(1)} s` : `${sign}${Math.round(size)} ms`;
}

/** "1:05", "1:02:03" */
export function formatTime(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return "0:00";
  const s = Math.floor(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

// -- the sync indicator ----------------------------------------------------------------------------------

export const IN_SYNC_MS = 50; // below what anyone notices (lip sync tolerances start around 45 ms)
export const OUT_OF_SYNC_MS = 1000;

/**
 * What to tell people about their player: "in-sync", "catching-up" (being corrected: a nudge, a
 * seek landing, buffering), "out-of-sync" (a second or more off), or "unknown" (no figure yet, or
 * a player we can't follow, such as Drive).
 */
export function syncStatus(drift, { isSettling = false } = {}) {
  if (drift === null || drift === undefined || !Number.isFinite(drift)) return "unknown";
  const size = Math.abs(drift);
  if (size < IN_SYNC_MS) return "in-sync";
  if (isSettling || size < OUT_OF_SYNC_MS) return "catching-up";
  return "out-of-sync";
}
