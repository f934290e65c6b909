/**
 * Size knob of the reliability suite: TOLLGATE_RELIABILITY=short (CI: the whole suite in a few minutes on
 * two cores) or full (the default: the sizes issue 10 asks for, 100k fuzz messages, a 10-minute soak).
 */
export const MODE: 'short' | 'full' = process.env.TOLLGATE_RELIABILITY === 'short' ? 'short' : 'full';

export function sized<T>(short: T, full: T): T {
  return MODE === 'short' ? short : full;
}

/** A session silent this long is hung: a hang detector, never a performance bound. */
export const HANG_MS = 30_000;

/** The seed for generated input: TOLLGATE_FUZZ_SEED to replay a run, else derived from the clock. */
export function fuzzSeed(): number {
  const given = process.env.TOLLGATE_FUZZ_SEED;
  return given !== undefined && given !== '' ? Number(given) >>> 0 : Date.now() % 2 ** 31;
}

/** mulberry32: small, fast, deterministic. */
export function prng(seed: number): Rand {
  let a = seed >>> 0;
  const next = (): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)]!,
    chance: (p) => next() < p,
  };
}

export interface Rand {
  next(): number;
  /** 0 ≤ int(n) < n. */
  int(n: number): number;
  pick<T>(xs: readonly T[]): T;
  chance(p: number): boolean;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Resolves 'hung' after ms, on a timer that does not keep the process alive (for Promise.race). */
export function hangAfter(ms: number): Promise<'hung'> {
  return new Promise((resolve) => setTimeout(() => resolve('hung'), ms).unref());
}
