import { LRUCache } from 'lru-cache';
import { sameVersions, type Versions } from './versions.ts';

interface Slot {
  running: Promise<Versions> | null;
  /** The check that starts when the running one ends, shared by every statement that arrived meanwhile. */
  next: Promise<Versions> | null;
  /** The last answer and when its check started. */
  last?: { at: number; versions: Versions };
}

/**
 * Data-version checks of one set of tables, shared by the statements that need them at once (a version
 * check of a Parquet table stats every file and directory: ~1 ms for the demo's bookings). A statement
 * never takes an answer whose check started before it arrived (that could predate a change it must
 * see): it joins the next check, which starts as soon as the running one ends (group commit). With
 * `recheckMs` > 0, an answer whose check started at most that long ago is reused: changes are then seen
 * up to recheckMs late (cache.versionRecheckMs; 0 by default). When the versions are known without
 * I/O (`known`: watched Parquet directories that reported nothing), that is a check that starts and ends
 * once the events already pending in this turn of the event loop are handled (`pendingEvents`).
 *
 * Why not at once: a client that renames a Parquet file into place and then sends a query expects the
 * new rows. The kernel queues the directory's inotify event before the query's bytes arrive, but the
 * event loop may hand this process the query before the event (both ready in one poll): a version known
 * "without I/O" at that moment would be the old one, and the hit stale. Every callback of the poll is
 * run before setImmediate's, so asking `known` then sees every event queued before the query.
 */
export class VersionGate {
  private readonly slots = new LRUCache<string, Slot>({ max: 10_000 });
  private changes = 0;

  /** Bumped whenever a check finds other versions than the last one of the same tables. */
  get generation(): number {
    return this.changes;
  }

  constructor(
    private readonly recheckMs = 0,
    private readonly now: () => number = performance.now.bind(performance),
    /** Resolves once the events pending now have been handled (the next setImmediate; shared by every statement of a turn). */
    private readonly pendingEvents: () => Promise<void> = afterPendingEvents,
  ) {}

  /** `known` is given the last answer, which it returns itself when nothing changed. */
  versions(tables: string, check: () => Promise<Versions>, known?: (last: Versions | undefined) => Versions | undefined): Versions | Promise<Versions> {
    let slot = this.slots.get(tables);
    if (!slot) this.slots.set(tables, (slot = { running: null, next: null }));
    const s = slot;
    const last = s.last;
    if (this.recheckMs > 0 && last && !('untrusted' in last.versions) && this.now() - last.at <= this.recheckMs) return last.versions;
    if (known) return this.pendingEvents().then(() => this.knownOrChecked(s, check, known));
    return this.checked(s, check);
  }

  /** The versions `known` gives now (the last answer itself if nothing changed), else a check. */
  private knownOrChecked(s: Slot, check: () => Promise<Versions>, known: (last: Versions | undefined) => Versions | undefined): Versions | Promise<Versions> {
    const now = known(s.last?.versions);
    if (now) {
      this.settle(s, this.now(), now);
      return now;
    }
    return this.checked(s, check);
  }

  /** A check that starts now, or the one that starts when the running one ends. */
  private checked(s: Slot, check: () => Promise<Versions>): Promise<Versions> {
    if (!s.running) return this.start(s, check);
    s.next ??= s.running.then(
      () => this.startNext(s, check),
      () => this.startNext(s, check),
    );
    return s.next;
  }

  /**
   * The last answer whatever its age (checked now if there is none): for describing a prepared
   * statement's columns, which go stale only when a table's schema changes, as an engine's description does.
   */
  latest(tables: string, check: () => Promise<Versions>, known?: (last: Versions | undefined) => Versions | undefined): Versions | Promise<Versions> {
    const last = this.slots.get(tables)?.last;
    return last ? last.versions : this.versions(tables, check, known);
  }

  private startNext(s: Slot, check: () => Promise<Versions>): Promise<Versions> {
    s.next = null;
    return this.start(s, check);
  }

  private start(s: Slot, check: () => Promise<Versions>): Promise<Versions> {
    const at = this.now();
    const running = check().then((versions) => {
      this.settle(s, at, versions);
      return versions;
    });
    s.running = running;
    void running.then(
      () => this.done(s, running),
      () => this.done(s, running),
    );
    return running;
  }

  /** Keeps a check's answer as the last one; a different answer than the last counts as a change. */
  private settle(s: Slot, at: number, versions: Versions): void {
    const last = s.last;
    // The same answer (known() gives back the last one when nothing changed): only its time moves.
    if (last && last.versions === versions) {
      last.at = at;
      return;
    }
    if (last && !sameVersions(last.versions, versions)) this.changes++;
    s.last = { at, versions };
  }

  private done(s: Slot, p: Promise<Versions>): void {
    if (s.running === p) s.running = null;
  }
}

let turn: Promise<void> | null = null;

/** Resolves at the next setImmediate: after every callback of the current poll, the inotify events' included. */
function afterPendingEvents(): Promise<void> {
  return (turn ??= new Promise((resolve) =>
    setImmediate(() => {
      turn = null;
      resolve();
    }),
  ));
}
