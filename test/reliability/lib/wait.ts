import { sleep } from './mode.ts';

/** Polls fn until it returns a truthy value or ms pass; returns the last value. */
export async function waitFor<T>(fn: () => Promise<T>, ms: number, every = 250): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > deadline) return v;
    await sleep(every);
  }
}
