import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, beforeEach, describe, it } from 'node:test';
import { WebhookSender } from '../../../src/budgets/webhook.ts';
import { createLogger } from '../../../src/log/index.ts';

interface Received {
  body: string;
  contentType: string | undefined;
}

/** A receiver whose answer to each request the test decides. */
let answer: (n: number, req: IncomingMessage, res: ServerResponse) => void = (_n, _req, res) => res.end();
let received: Received[] = [];
let server: Server;
let url: string;

function logCapture() {
  const lines: Array<{ level: number; msg: string; problem?: string }> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', destination }), lines };
}

describe('WebhookSender', () => {
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ body, contentType: req.headers['content-type'] });
        answer(received.length, req, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  beforeEach(() => {
    received = [];
    answer = (_n, _req, res) => res.end();
  });

  it('POSTs the payload as JSON without making the caller wait', async () => {
    const { logger } = logCapture();
    const sender = new WebhookSender({ logger });
    const queued = sender.send(url, { type: 'budget.threshold_crossed', team: 'growth', threshold: 0.8 });
    assert.equal(queued, true);
    assert.equal(received.length, 0, 'send() returned before the request was made');
    await sender.drain();
    assert.deepEqual(received, [{ body: '{"type":"budget.threshold_crossed","team":"growth","threshold":0.8}', contentType: 'application/json' }]);
    await sender.close();
  });

  it('retries 5xx and 429 with backoff until it gets through', async () => {
    const { logger, lines } = logCapture();
    answer = (n, _req, res) => {
      res.statusCode = n === 1 ? 503 : n === 2 ? 429 : 204;
      res.end();
    };
    const sender = new WebhookSender({ logger, backoffMs: 1 });
    sender.send(url, { n: 1 });
    await sender.drain();
    assert.equal(received.length, 3);
    assert.deepEqual(lines.filter((l) => l.msg.includes('will retry')).map((l) => l.problem), ['HTTP 503', 'HTTP 429']);
    await sender.close();
  });

  it('does not retry a 4xx, and gives up after maxAttempts, logging it', async () => {
    const { logger, lines } = logCapture();
    answer = (_n, req, res) => {
      res.statusCode = req.url === '/hook' ? 404 : 500;
      res.end();
    };
    const sender = new WebhookSender({ logger, backoffMs: 1, maxAttempts: 3 });
    sender.send(url, { n: 1 });
    await sender.drain();
    assert.equal(received.length, 1);
    sender.send(`${url}/down`, { n: 2 });
    await sender.drain();
    assert.equal(received.length, 1 + 3);
    const failures = lines.filter((l) => l.msg.includes('giving up'));
    assert.deepEqual(failures.map((l) => l.problem), ['HTTP 404', 'HTTP 500']);
    assert.ok(failures.every((l) => l.level === 50), 'logged as errors');
    await sender.close();
  });

  it('times out a receiver that does not answer, and retries', async () => {
    const { logger, lines } = logCapture();
    answer = (n, _req, res) => {
      if (n > 1) res.end(); // the first request hangs
    };
    const sender = new WebhookSender({ logger, timeoutMs: 50, backoffMs: 1 });
    sender.send(url, { n: 1 });
    await sender.drain();
    assert.equal(received.length, 2);
    assert.match(lines.find((l) => l.msg.includes('will retry'))!.problem!, /timed out/);
    await sender.close();
  });

  it('bounds its queue: past maxQueue, events are dropped and logged', async () => {
    const { logger, lines } = logCapture();
    const held: ServerResponse[] = [];
    answer = (_n, _req, res) => held.push(res);
    const sender = new WebhookSender({ logger, maxQueue: 3, concurrency: 1 });
    const results = Array.from({ length: 6 }, (_, i) => sender.send(url, { i }));
    assert.deepEqual(results, [true, true, true, false, false, false]);
    assert.equal(lines.filter((l) => l.msg === 'webhook queue full; event dropped').length, 3);
    // Release the receiver: the three queued events arrive, one at a time.
    answer = (_n, _req, res) => res.end();
    while (received.length === 0) await new Promise((r) => setImmediate(r));
    for (const res of held) res.end();
    await sender.drain();
    assert.deepEqual(received.map((r) => JSON.parse(r.body).i), [0, 1, 2]);
    await sender.close();
    assert.equal(sender.send(url, {}), false, 'closed');
  });
});
