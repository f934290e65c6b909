/**
 * A small client for Metabase's REST API, authenticated with an API key in the `x-api-key` header (API
 * keys exist since Metabase v0.47; docs: https://www.metabase.com/docs/latest/people-and-groups/api-keys).
 * Every failure becomes a MetabaseError whose message says what was asked and what Metabase answered.
 */

export class MetabaseError extends Error {
  constructor(message: string, readonly status?: number, readonly hint?: string) {
    super(message);
  }
}

const TIMEOUT_MS = 30_000;
/** Enough of an error body to explain it, not a whole HTML page. */
const MAX_DETAIL = 500;

export class MetabaseClient {
  private readonly base: URL;

  constructor(url: string, private readonly apiKey: string) {
    try {
      this.base = new URL(url.endsWith('/') ? url : `${url}/`);
    } catch {
      throw new MetabaseError(`--metabase ${JSON.stringify(url)} is not a URL`);
    }
  }

  get<T>(path: string): Promise<T> {
    return this.call<T>('GET', path);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('POST', path, body);
  }

  put<T>(path: string, body: unknown): Promise<T> {
    return this.call<T>('PUT', path, body);
  }

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    // path is absolute ('/api/card'); resolved against the base so that a Metabase under a sub-path works.
    const url = new URL(path.replace(/^\//, ''), this.base);
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { 'x-api-key': this.apiKey, accept: 'application/json', ...(body !== undefined && { 'content-type': 'application/json' }) },
        ...(body !== undefined && { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (e) {
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new MetabaseError(`cannot reach Metabase at ${this.base.href} (${cause?.code ?? cause?.message ?? (e as Error).message})`, undefined, 'Is Metabase running? Check --metabase.');
    }
    const text = await res.text();
    if (res.status === 401 || res.status === 403) {
      throw new MetabaseError(
        `Metabase refused the API key (${method} ${url.pathname} answered HTTP ${res.status})`,
        res.status,
        'Create an API key in Metabase (Admin settings > Authentication > API keys) in a group that may manage databases, collections, questions and dashboards (e.g. Administrators), and pass it with --api-key or TOLLGATE_METABASE_API_KEY.',
      );
    }
    if (!res.ok) {
      throw new MetabaseError(`${method} ${url.pathname} answered HTTP ${res.status}: ${detail(text)}`, res.status);
    }
    if (text === '') return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new MetabaseError(`${method} ${url.pathname} answered something that is not JSON: ${detail(text)}`, res.status);
    }
  }
}

/** Metabase's errors are {message}, {errors: {field: text}} or plain text. */
function detail(text: string): string {
  try {
    const j = JSON.parse(text) as { message?: unknown; errors?: unknown };
    if (typeof j.message === 'string') return j.message;
    if (j.errors && typeof j.errors === 'object') return JSON.stringify(j.errors).slice(0, MAX_DETAIL);
  } catch {
    /* plain text */
  }
  return text.slice(0, MAX_DETAIL) || '(empty body)';
}
