import { createScramVerifier } from '../wire/index.ts';

/**
 * Reads a password from stdin (one line; not echoed when stdin is a terminal) and prints the
 * SCRAM-SHA-256 verifier to put in the config as `password: { scram: "..." }`.
 */
export async function runHashPassword(opts: { user?: string | undefined }): Promise<number> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stderr.write(`Password${opts.user ? ` for ${opts.user}` : ''}: `);
    stdin.setRawMode(true);
  }
  const password = await new Promise<string>((resolve, reject) => {
    let buf = '';
    stdin.setEncoding('utf8');
    const done = (): void => {
      stdin.off('data', onData);
      stdin.off('end', done);
      if (stdin.isTTY) {
        stdin.setRawMode(false);
        process.stderr.write('\n');
      }
      stdin.pause();
      resolve(buf);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\n' || ch === '\r') return done();
        if (ch === '\u0003') return reject(new Error('interrupted'));
        buf += ch;
      }
    };
    stdin.on('data', onData);
    stdin.on('end', done);
  });
  const verifier = createScramVerifier(password);
  process.stdout.write(opts.user ? `  - name: ${opts.user}\n    password: { scram: "${verifier}" }\n` : `${verifier}\n`);
  return 0;
}
