/**
 * What the admin CLI commands (budget, migrate, user) share: their connection options, the running
 * gateway's API as one user, where it listens, and the password read without echo.
 */
import { loadConfig } from '../config/index.ts';
import { GatewayError } from '../errors/index.ts';

function usage(message: string): GatewayError {
  return new GatewayError('CONFIG_INVALID', message);
}


/** The options every admin command takes to reach the gateway (parseArgs), beside its own. */
export const API_OPTIONS = {
  url: { type: 'string' },
  config: { type: 'string' },
  user: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** API_OPTIONS in a command's --help. */
export const API_OPTIONS_HELP = `Options:
  --url URL        the gateway's HTTP API   (default http://127.0.0.1:<server.httpPort of --config, else 8080>)
  --config FILE    read the HTTP port from this config file
  --user NAME      an admin user            TOLLGATE_USER
                   the password comes from TOLLGATE_PASSWORD, else it is asked for (not echoed)
`;

/**
 * The action a command's first argument names (one of `actions`), or the exit code once `help` is
 * printed: 0 for --help or `help`, 1 when no action was given.
 */
export function chooseAction(
  command: string,
  values: { help?: boolean | undefined },
  action: string | undefined,
  actions: readonly string[],
  help: string,
  usage: (message: string) => Error,
): string | number {
  if (values.help || action === undefined || action === 'help') {
    process.stdout.write(help);
    return values.help || action === 'help' ? 0 : 1;
  }
  if (!actions.includes(action)) throw usage(`unknown ${command} command "${action}"`);
  return action;
}

/** Runs a command's API calls: 0 when they succeed; an API refusal is printed with its hint and gives 1. */
export async function exitCodeOf(work: () => Promise<void>): Promise<number> {
  try {
    await work();
    return 0;
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    process.stderr.write(`tollgate: ${e.message}\n${e.hint ? `hint: ${e.hint}\n` : ''}`);
    return 1;
  }
}

/** The admin a command acts as: --user, else TOLLGATE_USER; `usage` makes the command's own error. */
export function adminUser(values: { user?: string | undefined }, env: NodeJS.ProcessEnv, usage: (message: string) => Error): string {
  const user = values.user ?? env.TOLLGATE_USER;
  if (!user) throw usage('no user: pass --user or set TOLLGATE_USER');
  return user;
}

/** The API at --url (or --config's port) as `user`, with TOLLGATE_PASSWORD or a password asked for. */
export async function openAdminApi(values: { url?: string | undefined; config?: string | undefined }, user: string, env: NodeJS.ProcessEnv): Promise<AdminApi> {
  return new AdminApi(await baseUrl(values), user, env.TOLLGATE_PASSWORD || (await readPassword(user)));
}

/** An answer of the API that is not a success, with its message and hint. */
export class ApiError extends Error {
  constructor(message: string, readonly hint?: string) {
    super(message);
  }
}

/** The admin HTTP API of a running gateway, as one user (HTTP Basic). */
export class AdminApi {
  private readonly authorization: string;

  constructor(private readonly base: string, user: string, password: string) {
    this.authorization = `Basic ${Buffer.from(`${user}:${password}`, 'utf8').toString('base64')}`;
  }

  async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const url = new URL(path, this.base);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { authorization: this.authorization, accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new ApiError(`cannot reach tollgate at ${this.base} (${cause?.code ?? cause?.message ?? (e as Error).message})`, 'Is the gateway running? Point --url at its HTTP port.');
    }
    const text = await res.text();
    let json: unknown = undefined;
    try {
      json = text === '' ? undefined : JSON.parse(text);
    } catch {
      /* not JSON: reported below by status */
    }
    if (!res.ok) {
      const err = (json as { error?: { message?: string; hint?: string } } | undefined)?.error;
      if (err?.message) throw new ApiError(err.message, err.hint);
      throw new ApiError(`${method} ${url.pathname} answered HTTP ${res.status}`);
    }
    return json as T;
  }
}

/** --url, else 127.0.0.1 and the HTTP port of --config, else 8080. */
export async function baseUrl(values: { url?: string | undefined; config?: string | undefined }): Promise<string> {
  if (values.url) {
    try {
      return new URL(values.url).toString();
    } catch {
      throw usage(`--url ${JSON.stringify(values.url)} is not a URL`);
    }
  }
  const port = values.config ? (await loadConfig(values.config)).server.httpPort : 8080;
  return `http://127.0.0.1:${port}/`;
}


/** One line from stdin; not echoed when stdin is a terminal (as tollgate hash-password reads). */
export async function readPassword(user: string): Promise<string> {
  const stdin = process.stdin;
  if (stdin.isTTY) {
    process.stderr.write(`Password for ${user}: `);
    stdin.setRawMode(true);
  }
  const password = await new Promise<string>((resolve, reject) => {
    let buf = '';
    stdin.setEncoding('utf8');
    const stop = (): void => {
      stdin.off('data', onData);
      stdin.off('end', finish);
      if (stdin.isTTY) {
        stdin.setRawMode(false);
        process.stderr.write('\n');
      }
      stdin.pause();
    };
    const finish = (): void => {
      stop();
      resolve(buf);
    };
    const onData = (chunk: string): void => {
      for (const ch of chunk) {
        if (ch === '\n' || ch === '\r') return finish();
        if (ch === '\u0003') {
          stop();
          return reject(new GatewayError('QUERY_CANCELED', 'interrupted'));
        }
        if (ch === '\u007f' || ch === '\b') buf = buf.slice(0, -1);
        else buf += ch;
      }
    };
    stdin.on('data', onData);
    stdin.on('end', finish);
  });
  if (password === '') throw usage('no password: set TOLLGATE_PASSWORD or type one');
  return password;
}
