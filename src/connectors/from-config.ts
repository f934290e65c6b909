import { readFileSync } from 'node:fs';
import { GatewayError } from '../errors/index.ts';

/**
 * What every engine's config → options step shares: the password comes from the environment variable
 * the config names (never from the file), and a CA certificate from its PEM file, with errors that name
 * the engine and the key.
 */
export function passwordFromEnv(owner: string, password: { env: string }, env: NodeJS.ProcessEnv): string {
  const value = env[password.env];
  if (value === undefined || value === '')
    throw new GatewayError('CONFIG_INVALID', `${owner}: connection.password: environment variable ${password.env} is empty or not set`);
  return value;
}

/** The PEM text of `file`, configured at `connection.<key>` of `owner` (e.g. 'engine "crm"'). */
export function readCaFile(owner: string, key: string, file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new GatewayError('CONFIG_INVALID', `${owner}: connection.${key}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
}
