// A tiny test registry for the in-browser suites (no dependencies, no build step).
export const tests = [];

export function test(name, fn) {
  tests.push({ name, fn });
}

export class AssertionError extends Error {}

export const assert = {
  ok(value, message = "expected a truthy value") {
    if (!value) throw new AssertionError(message);
  },
  equal(actual, expected, message = "") {
    if (actual !== expected) throw new AssertionError(`${message} expected ${JSON.stringify(expected)}, got ${JSON.stringify(actual)}`);
  },
  close(actual, expected, tolerance, message = "") {
    if (!(Math.abs(actual - expected) <= tolerance)) throw new AssertionError(`${message} expected ${expected} ± ${tolerance}, got ${actual}`);
  },
  deepEqual(actual, expected, message = "") {
    const a = JSON.stringify(actual);
    const b = JSON.stringify(expected);
    if (a !== b) throw new AssertionError(`${message} expected ${b}, got ${a}`);
  },
  async rejects(promise, pattern, message = "expected a rejection") {
    try {
      await promise;
    } catch (error) {
      if (pattern && !pattern.test(String(error && error.message))) throw new AssertionError(`${message}: ${error && error.message}`);
      return error;
    }
    throw new AssertionError(message);
  },
};

/** A seeded PRNG (mulberry32), so "random" jitter is the same on every run. */
export function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function waitFor(predicate, { timeoutMs = 5000, message = "condition" } = {}) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const check = () => {
      let value;
      try {
        value = predicate();
      } catch (error) {
        reject(error);
        return;
      }
      if (value) resolve(value);
      else if (performance.now() - started > timeoutMs) reject(new AssertionError(`timed out waiting for ${message}`));
      else setTimeout(check, 20);
    };
    check();
  });
}

export function once(emitter, type, timeoutMs = 5000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new AssertionError(`no "${type}" event`)), timeoutMs);
    emitter.on(type, (value) => {
      clearTimeout(timer);
      resolve(value);
    });
  });
}
