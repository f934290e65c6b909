import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface RunResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions extends SpawnOptions {
  /** Written to the child's stdin, which is then closed. Without it stdin is /dev/null. */
  input?: string;
  /** Kill the child (SIGKILL) after this many ms; the promise then rejects. Default 60 s. */
  timeoutMs?: number;
  /** The child's stderr goes to this open file instead of being captured (`stderr` is then ''). */
  stderrFd?: number;
}

/** Run a program to completion, capturing stdout and stderr; never throws on a non-zero exit. */
export function run(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const { input, timeoutMs = 60_000, stderrFd, ...spawnOpts } = opts;
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...spawnOpts, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', stderrFd ?? 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${cmd} ${args.join(' ')}: timed out after ${timeoutMs} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, timeoutMs);
    child.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

/** Like run(), but rejects with both output streams when the exit code is not 0. */
export async function runOk(cmd: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
  const r = await run(cmd, args, opts);
  if (r.code !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code ?? r.signal}\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
  }
  return r;
}

/**
 * Start a detached shell that waits for this process to end and then runs `script`: cleanup that must
 * happen even when a test runner SIGKILLs or SIGTERMs its worker (which skips every exit handler), such as
 * stopping a server the test started. Kill the returned process once the normal cleanup has run.
 */
export function cleanupWhenGone(script: string): ChildProcess {
  const child = spawn('sh', ['-c', `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done\n${script}`], {
    detached: true,
    stdio: 'ignore',
  });
  child.unref();
  return child;
}
