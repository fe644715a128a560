// Unit tests for static/js/sync.js, run in headless chromium by tests/rooms/test_js_sync.py.
import {
  ClockSync,
  DriftCorrector,
  SYNC_DEFAULTS,
  YOUTUBE_RATES,
  driftMs,
  expectedPosition,
  formatDrift,
  formatTime,
  quantizeRate,
  syncStatus,
} from "/static/js/sync.js";
import { assert, seeded, test } from "./minitest.js";

export { tests } from "./minitest.js";

// A ping/pong with true offset `offset` (server − client), up/down one-way delays and server processing.
function sample(t0, { offset, up, down, processing = 0 }) {
  const server = t0 + up + processing + offset;
  return { t0, server, t1: t0 + up + processing + down, serverReceive: null, _receive: t0 + up + offset };
}

// -- ClockSync ----------------------------------------------------------------------------------------------
test("clock: symmetric delays give the exact offset", () => {
  const clock = new ClockSync();
  clock.add(sample(1000, { offset: 500, up: 20, down: 20 }));
  assert.close(clock.offset, 500, 1e-9);
  assert.equal(clock.rtt, 40);
});

test("clock: an asymmetric path is wrong by half the difference, never more than rtt/2", () => {
  const clock = new ClockSync();
  clock.add(sample(1000, { offset: -250, up: 5, down: 45 }));
  assert.close(clock.offset, -250 + (5 - 45) / 2, 1e-9);
  assert.ok(Math.abs(clock.offset - -250) <= clock.rtt / 2, "bounded by rtt/2");
});

test("clock: min-rtt mode trusts the lowest-delay sample", () => {
  const random = seeded(7);
  const clock = new ClockSync({ size: 8, method: "min-rtt" });
  const offset = 1234.5;
  let t = 10_000;
  let best = null;
  for (let i = 0; i < 8; i++) {
    const s = clock.add(sample(t, { offset, up: random() * 100, down: random() * 100 }));
    if (!best || s.rtt < best.rtt) best = s;
    t += 150;
  }
  assert.close(clock.offset, best.offset, 1e-9, "the min-RTT sample's offset");
  assert.ok(Math.abs(clock.offset - offset) <= best.rtt / 2 + 1e-9, "error within its rtt/2");
  assert.close(clock.uncertainty, best.rtt / 2, 1e-9);
});

test("clock: bounds mode combines the fastest trip each way, from different samples", () => {
  const clock = new ClockSync();
  clock.add(sample(0, { offset: 700, up: 0, down: 80 })); // a perfect ping, a slow pong
  clock.add(sample(200, { offset: 700, up: 90, down: 0 })); // a slow ping, a perfect pong
  assert.close(clock.offset, 700, 1e-9, "exact, though each sample alone is 40–45 ms off");
  assert.close(clock.uncertainty, 0, 1e-9);
  const minRtt = new ClockSync({ method: "min-rtt" });
  minRtt.samples = clock.samples;
  assert.close(Math.abs(minRtt.offset - 700), 40, 1e-9, "min-RTT alone can't do that");
});

test("clock: bounds mode stays within every sample's interval", () => {
  const random = seeded(3);
  const clock = new ClockSync();
  for (let i = 0; i < 8; i++) clock.add(sample(i * 100, { offset: -42, up: random() * 60, down: random() * 60 }));
  const [low, high] = clock.bounds();
  assert.ok(low <= -42 && -42 <= high, "the truth is inside");
  for (const s of clock.samples) assert.ok(s.low <= clock.offset && clock.offset <= s.high, "consistent with each sample");
  assert.close(clock.uncertainty, (high - low) / 2, 1e-9);
});

test("clock: bounds that disagree (a clock step) keep the newest samples that agree", () => {
  const clock = new ClockSync();
  clock.add(sample(0, { offset: 0, up: 10, down: 10 }));
  clock.add(sample(100, { offset: 500, up: 30, down: 30 })); // the server's clock jumped 500 ms
  clock.add(sample(200, { offset: 500, up: 20, down: 40 }));
  const [low, high] = clock.bounds();
  assert.ok(low <= 500 && 500 <= high, "the new offset, not the lowest round trip's old one");
  assert.close(clock.offset, 500, 30);
});

test("clock: clocks drifting apart over a long window: the newest samples that agree count", () => {
  // 64 samples a second apart, the client's clock losing 1 ms a second against the server's: the
  // whole window can't agree (min-RTT over it picked any second of the minute).
  const random = seeded(11);
  const clock = new ClockSync({ size: 64 });
  for (let i = 0; i < 64; i++) {
    const s = sample(i * 1000, { offset: i, up: 2 + random() * 5, down: 2 + random() * 5, processing: 300 + random() * 400 });
    clock.add({ ...s, serverReceive: s._receive });
  }
  assert.close(clock.offset, 63, 8);
});

test("clock: with 0–100 ms symmetric jitter, bounds beat min-RTT and match plain averaging", () => {
  const random = seeded(42);
  const errors = { bounds: 0, minRtt: 0, average: 0 };
  const runs = 300;
  for (let run = 0; run < runs; run++) {
    const clock = new ClockSync();
    const offset = (random() - 0.5) * 10_000;
    for (let i = 0; i < 8; i++) clock.add(sample(i * 120, { offset, up: random() * 100, down: random() * 100, processing: 1 + random() * 4 }));
    errors.bounds += Math.abs(clock.offset - offset) / runs;
    const minRtt = new ClockSync({ method: "min-rtt" });
    minRtt.samples = clock.samples;
    errors.minRtt += Math.abs(minRtt.offset - offset) / runs;
    errors.average += Math.abs(clock.samples.reduce((sum, s) => sum + s.offset, 0) / clock.samples.length - offset) / runs;
  }
  assert.ok(errors.bounds < 8, `mean error ${errors.bounds}`);
  assert.ok(errors.bounds < errors.minRtt, JSON.stringify(errors));
  assert.ok(errors.bounds < errors.average + 1, JSON.stringify(errors));
});

test("clock: with one-way delay spikes, bounds beat plain averaging by far", () => {
  const random = seeded(5);
  let bounds = 0;
  let average = 0;
  for (let run = 0; run < 300; run++) {
    const clock = new ClockSync();
    for (let i = 0; i < 8; i++) {
      const up = 2 + (random() < 0.3 ? random() * 100 : 0);
      const down = 2 + (random() < 0.3 ? random() * 100 : 0);
      clock.add(sample(i * 120, { offset: 0, up, down }));
    }
    bounds += Math.abs(clock.offset) / 300;
    average += Math.abs(clock.samples.reduce((sum, s) => sum + s.offset, 0) / 8) / 300;
  }
  assert.ok(bounds < 2, `bounds ${bounds}`);
  assert.ok(bounds * 3 < average, `bounds ${bounds} vs average ${average}`);
});

test("clock: keeps only the last 8 samples", () => {
  const clock = new ClockSync({ size: 8 });
  clock.add(sample(0, { offset: 999, up: 0, down: 0 })); // perfect, but old
  for (let i = 1; i <= 8; i++) clock.add(sample(i * 100, { offset: 100, up: 10, down: 10 }));
  assert.equal(clock.count, 8);
  assert.close(clock.offset, 100, 1e-9, "the old perfect sample fell out");
});

test("clock: among equal round trips the newest wins (min-rtt)", () => {
  const clock = new ClockSync({ method: "min-rtt" });
  clock.add(sample(0, { offset: 10, up: 10, down: 10 }));
  clock.add(sample(100, { offset: 20, up: 10, down: 10 }));
  assert.close(clock.offset, 20, 1e-9);
});

test("clock: a server receive stamp takes the server's processing time out", () => {
  const clock = new ClockSync();
  const t0 = 5000;
  const offset = 300;
  const s = sample(t0, { offset, up: 15, down: 15, processing: 40 });
  const three = new ClockSync();
  three.add(s);
  assert.close(three.offset, offset + 20, 1e-9, "without it, half the processing time is error");
  clock.add({ ...s, serverReceive: s._receive });
  assert.close(clock.offset, offset, 1e-9);
  assert.equal(clock.rtt, 30);
});

test("clock: best=3 averages the three lowest-delay samples (min-rtt)", () => {
  const clock = new ClockSync({ best: 3, method: "min-rtt" });
  clock.add(sample(0, { offset: 100, up: 1, down: 1 }));
  clock.add(sample(100, { offset: 110, up: 2, down: 2 }));
  clock.add(sample(200, { offset: 120, up: 3, down: 3 }));
  clock.add(sample(300, { offset: 999, up: 90, down: 10 }));
  assert.close(clock.offset, (100 + 110 + 120) / 3, 1e-9);
});

test("clock: rejects impossible samples", () => {
  const clock = new ClockSync();
  assert.equal(clock.add({ t0: 100, server: 5, t1: 50 }), null, "t1 before t0");
  assert.equal(clock.add({ t0: NaN, server: 5, t1: 50 }), null, "NaN");
  assert.equal(clock.add({ t0: 1, server: undefined, t1: 50 }), null, "no server time");
  assert.equal(clock.count, 0);
});

test("clock: fallback offset before the first sample, then serverNow", () => {
  const clock = new ClockSync();
  assert.equal(clock.offset, 0);
  clock.setFallback(-40);
  assert.equal(clock.serverNow(1000), 960);
  clock.add(sample(0, { offset: 75, up: 5, down: 5 }));
  assert.equal(clock.serverNow(1000), 1075);
  clock.reset();
  assert.equal(clock.serverNow(1000), 960, "back to the fallback");
});

// -- expected position -------------------------------------------------------------------------------------------
const playing = (fields = {}) => ({ is_playing: true, position: 10, at: 1000, rate: 1, duration: null, ...fields });

test("expected: paused stays put", () => {
  assert.equal(expectedPosition(playing({ is_playing: false }), 5_000_000), 10);
});

test("expected: playing advances at the rate from `at`", () => {
  assert.close(expectedPosition(playing(), 1_002_500), 12.5, 1e-9);
  assert.close(expectedPosition(playing({ rate: 1.5 }), 1_002_000), 13, 1e-9);
  assert.close(expectedPosition(playing({ rate: 0.5 }), 1_004_000), 12, 1e-9);
});

test("expected: clamped to [0, duration]", () => {
  assert.equal(expectedPosition(playing({ duration: 11 }), 1_005_000), 11);
  assert.equal(expectedPosition(playing({ position: 0.5 }), 999_000), 0, "a server clock behind `at`");
  assert.equal(expectedPosition(null, 1), 0);
});

test("expected: drift is player − room in ms", () => {
  assert.close(driftMs(10.02, 10), 20, 1e-6);
  assert.close(driftMs(9.9, 10), -100, 1e-6);
});

// -- DriftCorrector ------------------------------------------------------------------------------------------------
test("correct: inside the dead band nothing happens", () => {
  const c = new DriftCorrector();
  for (const drift of [0, 5, -5, SYNC_DEFAULTS.deadBandMs, -SYNC_DEFAULTS.deadBandMs]) {
    assert.deepEqual(c.decide({ driftMs: drift }), { action: "none", rate: 1 }, `drift ${drift}`);
  }
});

test("correct: behind speeds up, ahead slows down, in proportion", () => {
  const c = new DriftCorrector({ windowMs: 1000, maxNudge: 0.5 });
  const behind = c.decide({ driftMs: -50 });
  assert.equal(behind.action, "rate");
  assert.close(behind.rate, 1.05, 1e-9);
  const ahead = new DriftCorrector({ windowMs: 1000, maxNudge: 0.5 }).decide({ driftMs: 80 });
  assert.close(ahead.rate, 0.92, 1e-9);
  assert.close(ahead.holdMs, 1000, 1e-6, "the time the nudge needs to close the gap");
});

test("correct: the nudge is clamped to ±maxNudge and scales with the room's rate", () => {
  const c = new DriftCorrector({ maxNudge: 0.1, windowMs: 500 });
  assert.close(c.decide({ driftMs: -300 }).rate, 1.1, 1e-9);
  assert.close(c.decide({ driftMs: 300 }).rate, 0.9, 1e-9);
  assert.close(c.decide({ driftMs: -300, baseRate: 1.5 }).rate, 1.65, 1e-9);
});

test("correct: hysteresis — once nudging, carry on to settleMs", () => {
  const c = new DriftCorrector({ deadBandMs: 10, settleMs: 4 });
  assert.equal(c.decide({ driftMs: 8 }).action, "none", "below the band: not started");
  assert.equal(c.decide({ driftMs: 15 }).action, "rate", "started");
  assert.equal(c.decide({ driftMs: 8 }).action, "rate", "inside the band, still settling");
  assert.equal(c.decide({ driftMs: 3 }).action, "none", "settled");
  assert.equal(c.decide({ driftMs: 8 }).action, "none", "and stays quiet inside the band");
});

test("correct: thresholds are configurable", () => {
  const c = new DriftCorrector({ deadBandMs: 60, seekThresholdMs: 1000 });
  assert.equal(c.decide({ driftMs: 50 }).action, "none");
  assert.equal(c.decide({ driftMs: 900 }).action, "rate");
  assert.equal(c.decide({ driftMs: 1000 }).action, "seek");
});

test("correct: fixed rates quantize (YouTube)", () => {
  assert.equal(quantizeRate(1.1, YOUTUBE_RATES), 1);
  assert.equal(quantizeRate(1.2, YOUTUBE_RATES), 1.25);
  assert.equal(quantizeRate(0.6, YOUTUBE_RATES), 0.5);
  assert.equal(quantizeRate(3, YOUTUBE_RATES), 2);
  assert.equal(quantizeRate(1.13, null), 1.13, "continuous players keep any rate");
});

test("correct: fixed rates nudge by the nearest step, held just long enough", () => {
  const c = new DriftCorrector();
  assert.equal(c.decide({ driftMs: -40, rates: YOUTUBE_RATES }).action, "none", "below the fixed-rate band");
  const up = c.decide({ driftMs: -100, rates: YOUTUBE_RATES });
  assert.deepEqual(up, { action: "rate", rate: 1.25, holdMs: 400 });
  const down = new DriftCorrector().decide({ driftMs: 150, rates: YOUTUBE_RATES });
  assert.equal(down.rate, 0.75);
  assert.close(down.holdMs, 600, 1e-6);
  const fast = new DriftCorrector().decide({ driftMs: -100, baseRate: 1.5, rates: YOUTUBE_RATES });
  assert.equal(fast.rate, 1.75, "a step from the room's own rate");
  for (const d of [fast, up, down]) assert.ok(YOUTUBE_RATES.includes(d.rate), "only rates the player accepts");
});

test("correct: a player with a single rate can only seek", () => {
  const c = new DriftCorrector({ seekThresholdMs: 2000 });
  assert.deepEqual(c.decide({ driftMs: -900, rates: [1] }), { action: "none", rate: 1 });
  assert.equal(c.decide({ driftMs: -2500, rates: [1] }).action, "seek");
});

test("correct: past the seek threshold it seeks with the learnt lead", () => {
  const c = new DriftCorrector({ seekThresholdMs: 400, seekLeadMs: 70 });
  assert.equal(c.decide({ driftMs: 399, nowMs: 0 }).action, "rate");
  assert.deepEqual(c.decide({ driftMs: -400, nowMs: 0 }), { action: "seek", rate: 1, leadMs: 70 });
});

test("correct: no second seek inside the cooldown unless past hardSeekMs", () => {
  const c = new DriftCorrector({ seekThresholdMs: 400, seekCooldownMs: 1500, hardSeekMs: 2000, maxNudge: 0.1 });
  assert.equal(c.decide({ driftMs: 800, nowMs: 10_000 }).action, "seek");
  const cooling = c.decide({ driftMs: 600, nowMs: 10_500 });
  assert.equal(cooling.action, "rate");
  assert.close(cooling.rate, 0.9, 1e-9, "full nudge meanwhile");
  assert.equal(c.decide({ driftMs: -2500, nowMs: 10_600 }).action, "seek", "way off: seek anyway");
  assert.equal(c.decide({ driftMs: 600, nowMs: 12_200 }).action, "seek", "cooldown over");
  c.reset();
  assert.equal(c.decide({ driftMs: 600, nowMs: 12_300 }).action, "seek", "reset forgets the cooldown");
});

test("correct: the seek lead learns from what each seek left over", () => {
  const c = new DriftCorrector({ seekLeadMs: 60, seekLeadGain: 0.5, seekLeadMaxMs: 300 });
  assert.equal(c.learnSeek(-40), 80, "landed 40 ms behind: lead more");
  assert.equal(c.learnSeek(20), 70, "landed ahead: lead less");
  assert.equal(c.learnSeek(-10_000), 300, "clamped at the max");
  assert.equal(c.learnSeek(10_000), 0, "never negative");
  assert.equal(c.learnSeek(NaN), 0, "ignores junk");
  assert.equal(c.decide({ driftMs: 5000 }).leadMs, 0);
});

test("correct: paused, it seeks (without lead) only past the tolerance", () => {
  const c = new DriftCorrector({ pausedToleranceMs: 15 });
  assert.deepEqual(c.decide({ driftMs: 10, isPlaying: false }), { action: "none", rate: 1 });
  assert.deepEqual(c.decide({ driftMs: -40, isPlaying: false }), { action: "seek", rate: 1, leadMs: 0 });
});

test("correct: a nudge loop converges on a simulated player", () => {
  // The player reacts to the rate exactly; 250 ms ticks; start 300 ms behind.
  const c = new DriftCorrector();
  let drift = -300;
  let t = 0;
  let settledAt = null;
  for (let i = 0; i < 40; i++) {
    const d = c.decide({ driftMs: drift, nowMs: t });
    assert.ok(d.action !== "seek", "300 ms is below the seek threshold");
    drift += (d.rate - 1) * 250;
    t += 250;
    if (settledAt === null && Math.abs(drift) <= SYNC_DEFAULTS.deadBandMs) settledAt = t;
  }
  assert.ok(Math.abs(drift) <= SYNC_DEFAULTS.deadBandMs, `ends inside the band: ${drift}`);
  assert.ok(settledAt !== null && settledAt <= 6000, `settled after ${settledAt} ms`);
});

test("catch up: one burst that closes the drift and makes up for its two rate steps", () => {
  const c = new DriftCorrector({ catchUpNudge: 0.25, catchUpFarMs: 30, catchUpFarNudge: 0.5, catchUpMinHoldMs: 150,
                                 catchUpMinNudge: 0.02, rateStepMs: 9, deadBandMs: 10, seekThresholdMs: 400 });
  assert.deepEqual(c.catchUp({ driftMs: 10 }), { action: "none", rate: 1 }, "inside the band");
  assert.deepEqual(c.catchUp({ driftMs: -500 }), { action: "none", rate: 1 }, "past the seek threshold: decide() seeks");
  const behind = c.catchUp({ driftMs: -30 });
  assert.equal(behind.rate, 1.25);
  assert.close(behind.holdMs, (30 + 18) / 0.25, 1e-9, "gains the drift plus the two steps back");
  const far = c.catchUp({ driftMs: -60 });
  assert.equal(far.rate, 1.5, "a miss past catchUpFarMs goes twice as fast");
  assert.close(far.holdMs, (60 + 18) / 0.5, 1e-9);
  const ahead = c.catchUp({ driftMs: 28 });
  assert.close(ahead.holdMs, 150, 1e-9, "never shorter than the rate latency");
  assert.close(ahead.rate, 1 - 10 / 150, 1e-9, "so gentler: the steps back do most of the work");
  const slightlyAhead = c.catchUp({ driftMs: 12 });
  assert.close(slightlyAhead.rate, 1 + 6 / 150, 1e-9, "the two steps alone would overshoot by 6 ms: a faster burst makes it up");
  assert.equal(slightlyAhead.holdMs, 150);
  const stepsExactly = c.catchUp({ driftMs: 18 });
  assert.equal(stepsExactly.rate, 0.98, "the steps do it all: the gentlest burst");
  const fast = c.catchUp({ driftMs: -30, baseRate: 2 });
  assert.close(fast.holdMs, 150, 1e-9, "media time runs twice as fast: 48 ms fit in the minimum hold");
  assert.close(fast.rate, 2 * (1 + 48 / 300), 1e-9);
});

test("catch up: a simulated player with a 9 ms step per rate change lands inside the band", () => {
  for (const drift of [-60, -25, -12, 12, 14, 15, 30, 90]) {
    const burst = new DriftCorrector().catchUp({ driftMs: drift });
    const after = drift + (burst.rate - 1) * burst.holdMs - 2 * 9;
    assert.ok(Math.abs(after) <= SYNC_DEFAULTS.deadBandMs / 2, `from ${drift}: ${after}`);
  }
});

test("catch up: the rate step learns from what each burst left over", () => {
  const c = new DriftCorrector({ rateStepMs: 9, rateStepMaxMs: 25 });
  assert.equal(c.learnRateStep(-8), 11, "ended behind: the steps are larger than thought");
  assert.equal(c.learnRateStep(4), 10);
  assert.equal(c.learnRateStep(1000), 0, "never negative");
  assert.equal(c.learnRateStep(-1000), 25, "clamped at the max");
  assert.equal(c.learnRateStep(NaN), 25, "ignores junk");
  assert.close(c.catchUp({ driftMs: -20 }).holdMs, (20 + 50) / SYNC_DEFAULTS.catchUpNudge, 1e-9, "the learnt step counts");
});

// -- formatting ---------------------------------------------------------------------------------------------------------
test("format: drift and time", () => {
  assert.equal(formatDrift(12.4), "+12 ms");
  assert.equal(formatDrift(-1400), "−1.4 s");
  assert.equal(formatDrift(0), "±0 ms");
  assert.equal(formatDrift(-0.3), "±0 ms", "no −0");
  assert.equal(formatDrift(null), "–");
  assert.equal(formatTime(65), "1:05");
  assert.equal(formatTime(3723), "1:02:03");
  assert.equal(formatTime(NaN), "0:00");
});

test("indicator: in sync, catching up, out of sync, in words", () => {
  assert.equal(syncStatus(null), "unknown");
  assert.equal(syncStatus(Number.NaN), "unknown");
  assert.equal(syncStatus(4), "in-sync");
  assert.equal(syncStatus(-49), "in-sync");
  assert.equal(syncStatus(120), "catching-up");
  assert.equal(syncStatus(-999), "catching-up");
  assert.equal(syncStatus(1500), "out-of-sync");
  assert.equal(syncStatus(-4000, { isSettling: true }), "catching-up", "a seek landing or buffering is being fixed");
  assert.equal(syncStatus(10, { isSettling: true }), "in-sync");
});
