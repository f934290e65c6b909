import { watch, type FSWatcher } from 'node:fs';

/**
 * Watches the directories a table's listing depends on (inotify on Linux), so a table whose files
 * nothing touched can be trusted without a stat: any event in any of them (a file created, deleted,
 * renamed, or written in place) marks the table changed until its next full check. A watch that cannot
 * be set (too many watches, a filesystem without notifications) simply leaves the table unwatched: it is
 * then checked in full every time, as without watching. Remote filesystems (NFS, FUSE object stores) do
 * not report changes made elsewhere: turn watching off there (cache.watchFiles: false).
 */
export class DirWatch {
  private readonly watchers = new Map<string, FSWatcher>();
  /** Bumped by every event: a check that started at an older generation cannot be trusted. */
  private generation = 0;
  private broken = false;

  /** The generation now: take it BEFORE a full check, then arm(), then trust the check if unchanged. */
  current(): number {
    return this.generation;
  }

  /** Watches every directory in `dirs` (those not watched yet); false if one could not be watched. */
  arm(dirs: Iterable<string>): boolean {
    if (this.broken) return false;
    for (const dir of dirs) {
      if (this.watchers.has(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => this.changed());
        w.on('error', () => this.changed(true));
        this.watchers.set(dir, w);
      } catch {
        this.changed(true);
        return false;
      }
    }
    return true;
  }

  /** Whether nothing happened since `generation` and every watch still holds. */
  quietSince(generation: number): boolean {
    return !this.broken && this.generation === generation;
  }

  close(): void {
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  private changed(broken = false): void {
    this.generation++;
    if (broken) {
      this.broken = true;
      this.close();
    }
  }
}
