import { existsSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { run } from './proc.ts';

export const PGJDBC_VERSION = '42.7.13';

/** Debian's libpostgresql-jdbc-java, the fallback .ci/run installs when Maven cannot fetch the jar. */
const DEBIAN_PGJDBC_JAR = '/usr/share/java/postgresql.jar';

/**
 * The pgjdbc jar: $TOLLGATE_TEST_PGJDBC_JAR, else ~/.m2/repository/org/postgresql/postgresql/<version>/,
 * preferring 42.7.13 and otherwise the newest 42.x there, else Debian's. Undefined when none is found.
 */
export function findPgjdbcJar(): string | undefined {
  const fromEnv = process.env.TOLLGATE_TEST_PGJDBC_JAR;
  if (fromEnv) return existsSync(fromEnv) ? fromEnv : undefined;
  const base = join(process.env.MAVEN_REPO ?? join(homedir(), '.m2', 'repository'), 'org', 'postgresql', 'postgresql');
  const fallback = existsSync(DEBIAN_PGJDBC_JAR) ? DEBIAN_PGJDBC_JAR : undefined;
  if (!existsSync(base)) return fallback;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, `postgresql-${v}.jar`)))
    .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  const pick = versions.includes(PGJDBC_VERSION) ? PGJDBC_VERSION : versions.filter((v) => v.startsWith('42.')).pop();
  return pick ? join(base, pick, `postgresql-${pick}.jar`) : fallback;
}

/** Major version of `java` on PATH, or undefined when there is none. */
export async function javaMajorVersion(): Promise<number | undefined> {
  const r = await run('java', ['-version']).catch(() => undefined);
  if (!r || r.code !== 0) return undefined;
  const m = /version "(\d+)(?:\.(\d+))?/.exec(r.stderr + r.stdout);
  if (!m) return undefined;
  const major = Number(m[1]);
  return major === 1 ? Number(m[2]) : major;
}

/**
 * Parse the "ok NAME [# comment]" / "not ok NAME: WHY" lines the client smoke programs print.
 * Returns NAME → undefined for ok, or the reason for not ok.
 */
export function parseCheckLines(stdout: string): Map<string, string | undefined> {
  const checks = new Map<string, string | undefined>();
  for (const line of stdout.split('\n')) {
    const ok = /^ok (\S+)(?: #.*)?$/.exec(line);
    if (ok) {
      checks.set(ok[1], undefined);
      continue;
    }
    const bad = /^not ok (\S+): (.*)$/.exec(line);
    if (bad) checks.set(bad[1], bad[2]);
  }
  return checks;
}

/** Why pgjdbc client programs cannot run here (no java 11+, no jar), or undefined when they can. */
export async function pgjdbcSkipReason(): Promise<string | undefined> {
  const java = await javaMajorVersion();
  if (java === undefined) return 'no `java` on PATH (apt-get install openjdk-17-jdk-headless)';
  if (java < 11) return `java ${java} cannot run single-file source programs (need 11+)`;
  if (findPgjdbcJar() === undefined)
    return `pgjdbc jar not found in ~/.m2 (mvn dependency:get -Dartifact=org.postgresql:postgresql:${PGJDBC_VERSION}) or $TOLLGATE_TEST_PGJDBC_JAR`;
  return undefined;
}
