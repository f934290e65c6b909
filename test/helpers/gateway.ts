import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import YAML from 'yaml';
import { freePort } from './ports.ts';
import { cleanupWhenGone } from './proc.ts';
import { makeTarget, type Target } from './target.ts';

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const gatewayCliPath = join(repoRoot, 'src', 'cli', 'main.ts');
export const demoConfigPath = join(repoRoot, 'config', 'demo.yaml');

/** Demo dataset size for tests: config/demo.yaml at this scale (0.01: 50k bookings, ~2 s to generate). */
const TEST_DEMO_SCALE = Number(process.env.TOLLGATE_TEST_DEMO_SCALE ?? 0.01);

export interface StartGatewayOptions {
  /**
   * Config file; default $TOLLGATE_TEST_CONFIG, else config/demo.yaml with demo.scale set to
   * $TOLLGATE_TEST_DEMO_SCALE (default 0.01), written next to the data dir: the full demo dataset takes
   * minutes to generate, a hundredth of it about two seconds.
   */
  config?: string;
  /** Data directory; default a fresh temp dir, removed by stop() (a given one is left in place). */
  dataDir?: string;
  /** How long to wait for GET /health → 200; default $TOLLGATE_TEST_GATEWAY_TIMEOUT_MS or 60 s. */
  startTimeoutMs?: number;
  /** Extra environment for the gateway process. */
  env?: NodeJS.ProcessEnv;
  /** Changes to the derived demo config (another engine, routing rules...); ignored with `config`. */
  configPatch?: (doc: Record<string, unknown>) => void;
}

export interface Gateway extends Target {
  readonly httpPort: number;
  /** The gateway's process id (benchmarks read its RSS). */
  readonly pid: number;
  /** The gateway's stderr and stdout so far (last 256 KiB). */
  output(): string;
  /** Exit code after stop() (null if killed by a signal). */
  exitCode(): number | null;
}

const MAX_OUTPUT = 256 * 1024;

/**
 * Several gateways started together (instances sharing a ledger). If one fails to start, the others are
 * stopped before the error is rethrown: a gateway left running would keep the test process alive.
 */
export async function startGateways(count: number, opts: StartGatewayOptions = {}): Promise<Gateway[]> {
  const started = await Promise.allSettled(Array.from({ length: count }, () => startGateway(opts)));
  const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed === undefined) return started.map((r) => (r as PromiseFulfilledResult<Gateway>).value);
  await Promise.all(started.map((r) => (r.status === 'fulfilled' ? r.value.stop() : undefined)));
  throw failed.reason;
}

/**
 * Start tollgate the way a user does (`tsx src/cli/main.ts serve --config … --host 127.0.0.1 --pg-port …
 * --http-port … --data-dir …`) on free ports, and wait until GET /health answers 200. The process is run as
 * `node --import tsx src/cli/main.ts …` (what `npx tsx` does, minus the extra wrapper process, so SIGTERM
 * reaches the gateway itself). stop() sends SIGTERM and waits for the exit (SIGKILL after 10 s).
 */
export async function startGateway(opts: StartGatewayOptions = {}): Promise<Gateway> {
  const host = '127.0.0.1';
  // Our own temp dir: the derived config and (unless given) the data dir; removed by stop().
  const workDir = await mkdtemp(join(tmpdir(), 'tollgate-gw-'));
  // Searchable by others, so the embedded PostgreSQL (run as the postgres OS user under root) lives inside it.
  await chmod(workDir, 0o711);
  const dataDir = opts.dataDir ?? join(workDir, 'data');
  const customConfig = opts.config ?? process.env.TOLLGATE_TEST_CONFIG;
  const config = customConfig ?? (await smallDemoConfig(workDir, opts.configPatch));
  // A given data directory gets the shared demo lake too, unless it has one already (a restart).
  if (customConfig === undefined && !existsSync(join(dataDir, 'lake'))) await linkCachedDemoLake(config, dataDir);
  const timeoutMs = opts.startTimeoutMs ?? Number(process.env.TOLLGATE_TEST_GATEWAY_TIMEOUT_MS ?? 60_000);

  let out = '';
  const collect = (d: Buffer) => {
    out += d.toString('utf8');
    if (out.length > MAX_OUTPUT) out = out.slice(-MAX_OUTPUT);
  };

  for (let attempt = 1; ; attempt++) {
    const pgPort = await freePort();
    const httpPort = await freePort();
    const args = [
      // TOLLGATE_TEST_NODE_ARGS: extra node flags for the gateway process (profiling: --cpu-prof).
      ...(process.env.TOLLGATE_TEST_NODE_ARGS?.split(' ').filter((a) => a !== '') ?? []),
      '--import', 'tsx', gatewayCliPath, 'serve',
      '--config', config,
      '--host', host, '--pg-port', String(pgPort), '--http-port', String(httpPort), '--data-dir', dataDir,
    ];
    out = '';
    const child = spawn(process.execPath, args, {
      cwd: repoRoot,
      // As bin/tollgate.cjs does: one libuv thread per concurrent DuckDB statement plus room for I/O.
      env: { UV_THREADPOOL_SIZE: '16', ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', collect);
    child.stderr!.on('data', collect);
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
      child.once('exit', (code, signal) => res({ code, signal })),
    );
    const killOnExit = () => child.kill('SIGKILL');
    process.once('exit', killOnExit);
    const watchdog = cleanupWhenGone(`
      kill -TERM ${child.pid} 2>/dev/null
      n=0; while kill -0 ${child.pid} 2>/dev/null && [ $n -lt 20 ]; do sleep 0.5; n=$((n+1)); done
      kill -KILL ${child.pid} 2>/dev/null
      rm -rf '${workDir}'
    `);

    const ready = await waitForHealth(host, httpPort, exited, timeoutMs);
    if (ready !== 'ok') {
      child.kill('SIGKILL');
      await exited;
      watchdog.kill('SIGKILL');
      process.removeListener('exit', killOnExit);
      if (attempt < 3 && /EADDRINUSE/.test(out)) continue;
      await rm(workDir, { recursive: true, force: true });
      throw new Error(`tollgate did not become healthy (${ready}): node ${args.join(' ')}\n--- output ---\n${out}`);
    }

    let code: number | null = null;
    let stopped = false;
    const target = makeTarget({
      kind: 'tollgate',
      host,
      port: pgPort,
      httpPort,
      diagnostics: (maxChars = 20_000) => out.slice(-maxChars),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        code = (await exited).code;
        clearTimeout(timer);
        watchdog.kill('SIGKILL');
        process.removeListener('exit', killOnExit);
        await rm(workDir, { recursive: true, force: true });
      },
    });
    return { ...target, httpPort, pid: child.pid!, output: () => out, exitCode: () => code };
  }
}

async function waitForHealth(
  host: string,
  httpPort: number,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>,
  timeoutMs: number,
): Promise<string> {
  let exit: string | undefined;
  void exited.then(({ code, signal }) => (exit = `exited early with ${code ?? signal}`));
  const deadline = Date.now() + timeoutMs;
  let last = 'no answer';
  while (Date.now() < deadline) {
    if (exit) return exit;
    try {
      const res = await fetch(`http://${host}:${httpPort}/health`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.status === 200) return 'ok';
      last = `GET /health answered ${res.status}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return `timed out after ${timeoutMs} ms; last: ${last}`;
}

/** config/demo.yaml with a smaller demo.scale, written as <dir>/tollgate-test.yaml. */
async function smallDemoConfig(dir: string, patch?: (doc: Record<string, unknown>) => void): Promise<string> {
  const doc = YAML.parse(await readFile(demoConfigPath, 'utf8')) as Record<string, unknown>;
  doc.demo = { ...(doc.demo as Record<string, unknown> | undefined), scale: TEST_DEMO_SCALE };
  // One serving process unless a test asks for more (test/e2e/serving-processes.test.ts): the demo's
  // 'auto' would fork a worker for every test gateway, and most tests are about one session's answers.
  doc.server = { ...(doc.server as Record<string, unknown> | undefined), processes: 1 };
  patch?.(doc);
  const file = join(dir, 'tollgate-test.yaml');
  await writeFile(file, YAML.stringify(doc));
  return file;
}

/**
 * Point <dataDir>/lake at a demo lake generated once per (seed, scale, generator version) and shared by
 * every test gateway, in $TOLLGATE_TEST_CACHE_DIR or <tmpdir>/tollgate-test-cache; the gateway then finds
 * it complete and skips generating (seconds per start). Generation runs under a lock directory, so test
 * files starting at once wait for one another. Best effort: if src/demo cannot be loaded or generation
 * fails, nothing is linked and the gateway generates its own lake as usual.
 */
async function linkCachedDemoLake(configFile: string, dataDir: string): Promise<void> {
  let demo: {
    ensureDemoData: (dir: string, opts: { seed?: number; scale?: number }) => Promise<{ dir: string }>;
    GENERATOR_VERSION: string | number;
  };
  try {
    demo = await import(pathToFileURL(join(repoRoot, 'src', 'demo', 'index.ts')).href);
  } catch {
    return;
  }
  const doc = YAML.parse(await readFile(configFile, 'utf8')) as { demo?: { generate?: boolean; seed?: number; scale?: number } };
  if (doc.demo?.generate === false) return;
  const seed = doc.demo?.seed ?? 42;
  const scale = doc.demo?.scale ?? 1;
  const cacheRoot = process.env.TOLLGATE_TEST_CACHE_DIR ?? join(tmpdir(), 'tollgate-test-cache');
  const cacheDir = join(cacheRoot, `demo-v${demo.GENERATOR_VERSION}-seed${seed}-scale${scale}`);
  await mkdir(cacheRoot, { recursive: true });
  const lock = `${cacheDir}.lock`;
  const release = await acquireLock(lock, 180_000);
  try {
    const result = await demo.ensureDemoData(cacheDir, { seed, scale });
    await mkdir(dataDir, { recursive: true });
    await symlink(result.dir, join(dataDir, 'lake'), 'dir');
  } catch {
    /* leave it to the gateway */
  } finally {
    await release();
  }
}

/** mkdir-based lock; a lock whose holder process is gone is taken over. */
async function acquireLock(lock: string, timeoutMs: number): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await mkdir(lock);
      await writeFile(join(lock, 'pid'), String(process.pid));
      return () => rm(lock, { recursive: true, force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = Number(await readFile(join(lock, 'pid'), 'utf8').catch(() => '0'));
    if (holder > 0 && !alive(holder)) {
      await rm(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`startGateway: timed out waiting for ${lock}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
