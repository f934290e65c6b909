// Loaded into the gateway process with --import by bench/hit-promises.ts: counts every promise the
// process makes (async_hooks) and prints the running total to stderr four times a second.
import { createHook } from 'node:async_hooks';

let promises = 0;
createHook({
  init(_id, type) {
    if (type === 'PROMISE') promises++;
  },
}).enable();
setInterval(() => process.stderr.write(`tollgate-bench promises=${promises}\n`), 250).unref();
