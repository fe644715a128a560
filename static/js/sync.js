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
  deadBandMs: 10, // |drift| at or below this: leave the player alone
  settleMs: 4, // once correcting, carry on until |drift| is below this (hysteresis)
  windowMs: 750, // nudge so that the drift would close over this window...
  maxNudge: 0.1, // ...but keep the rate within base × (1 ± maxNudge)
  seekThresholdMs: 400, // above this, seek instead of nudging
  seekCooldownMs: 1500, // after a seek, nudge only, unless the drift is still above hardSeekMs
  hardSeekMs: 2000,
  seekLeadMs: 60, // first guess of how long a seek stalls playback; learnt from each seek
  seekLeadMaxMs: 1500,
  seekLeadGain: 0.6, // how much of a seek's observed residual goes into the next lead
  pausedToleranceMs: 15, // paused: re-seek when further than this from the room's position
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
 * With one-way delays up and down, offset = server − (t0 + t1)/2 is wrong by half their
 * difference, which is at most half the round trip: so keep the last `size` samples and
 * trust the lowest-delay ones (as Jellyfin SyncPlay does).
 */
export class ClockSync {
  constructor({ size = 8, best = 1 } = {}) {
    this.size = size;
    this.best = best;
    this.samples = [];
    this.fallbackOffset = 0;
  }

  add({ t0, server, t1, serverReceive = null }) {
    if (![t0, server, t1].every(Number.isFinite) || t1 < t0) return null;
    let offset;
    let rtt;
    if (Number.isFinite(serverReceive)) {
      rtt = t1 - t0 - (server - serverReceive);
      offset = (serverReceive - t0 + (server - t1)) / 2;
    } else {
      rtt = t1 - t0;
      offset = server - (t0 + t1) / 2;
    }
    const sample = { t0, t1, server, offset, rtt: Math.max(0, rtt) };
    this.samples.push(sample);
    if (this.samples.length > this.size) this.samples.splice(0, this.samples.length - this.size);
    return sample;
  }

  /** The samples trusted: the `best` lowest round trips (newest first among equals). */
  chosen() {
    return this.samples
      .map((sample, index) => ({ sample, index }))
      .sort((a, b) => a.sample.rtt - b.sample.rtt || b.index - a.index)
      .slice(0, this.best)
      .map(({ sample }) => sample);
  }

  get count() {
    return this.samples.length;
  }

  /** ms to add to the client clock to read the server clock. */
  get offset() {
    const chosen = this.chosen();
    if (!chosen.length) return this.fallbackOffset;
    return chosen.reduce((sum, s) => sum + s.offset, 0) / chosen.length;
  }

  /** The round trip of the best sample (its offset is wrong by at most half of it). */
  get rtt() {
    const chosen = this.chosen();
    return chosen.length ? chosen[0].rtt : null;
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

  /** A new source or a user's own seek: forget the hysteresis and cooldown (keep the lead). */
  reset() {
    this.isCorrecting = false;
    this.lastSeekAt = -Infinity;
  }
}

/** Format a drift for the sync indicator: "+12 ms", "−1.4 s". */
export function formatDrift(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  const sign = ms > 0 ? "+" : ms < 0 ? "−" : "±";
  const size = Math.abs(ms);
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
