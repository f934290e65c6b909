import type { Config } from '../config/index.ts';
import { GatewayError } from '../errors/index.ts';
import { createScramVerifier } from '../wire/index.ts';

export interface UserRecord {
  name: string;
  team: string;
  role: 'analyst' | 'admin';
  scramVerifier: string;
  allowCleartext: boolean;
  disabled: boolean;
}

/**
 * Users from the config, with passwords resolved to SCRAM verifiers. A password given through an
 * environment variable may be a verifier or a plain password; a plain one is hashed here, once, and
 * never kept or logged.
 */
export function buildUserDirectory(config: Config, env: NodeJS.ProcessEnv = process.env): Map<string, UserRecord> {
  const users = new Map<string, UserRecord>();
  for (const u of config.users) {
    let verifier: string;
    if ('scram' in u.password) verifier = u.password.scram;
    else {
      const value = env[u.password.env];
      if (value === undefined || value === '')
        throw new GatewayError('CONFIG_INVALID', `user ${u.name}: environment variable ${u.password.env} is empty or not set`);
      verifier = value.startsWith('SCRAM-SHA-256$') ? value : createScramVerifier(value);
    }
    users.set(u.name, { name: u.name, team: u.team, role: u.role, scramVerifier: verifier, allowCleartext: u.allowCleartext, disabled: u.disabled });
  }
  return users;
}
