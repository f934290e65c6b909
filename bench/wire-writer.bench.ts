/**
 * Writer throughput: DataRows of (int, double, varchar) with pre-encoded text values.
 * Not a test (no *.test.ts suffix). Run: node --import tsx bench/wire-writer.bench.ts [rows]
 * Flushes every 64 KiB as a session would; the flushed Buffers are only counted, not written anywhere.
 */
import { BackendWriter } from '../src/wire/backend-messages.ts';

const ROWS = Number(process.argv[2] ?? 10_000_000);
const FLUSH_AT = 64 * 1024;

// A pool of pre-encoded rows, so that the measurement is the writer and not number formatting.
const POOL = 4096;
const rows: (string | null)[][] = [];
for (let i = 0; i < POOL; i++) {
  rows.push([String(i * 7919), String(i * 0.125 + 1 / 3), i % 97 === 0 ? null : `customer-${i.toString(36)}-name`]);
}

function run(label: string, write: (w: BackendWriter, i: number) => void): void {
  const w = new BackendWriter();
  let bytes = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < ROWS; i++) {
    write(w, i);
    if (w.length >= FLUSH_AT) bytes += w.flush().length;
  }
  bytes += w.flush().length;
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  // CPU time is reported too: on a shared machine wall time mostly measures the neighbours.
  process.stdout.write(
    `${label.padEnd(24)} ${ROWS} rows: wall ${secs.toFixed(2)} s = ${(ROWS / secs / 1e6).toFixed(2)} M rows/s` +
      ` (${(bytes / secs / 2 ** 20).toFixed(0)} MiB/s); cpu ${cpuSecs.toFixed(2)} s = ${(ROWS / cpuSecs / 1e6).toFixed(2)} M rows/s\n`,
  );
}

for (let round = 0; round < 3; round++) {
  run('dataRow(array)', (w, i) => w.dataRow(rows[i & (POOL - 1)]));
  run('beginDataRow/textValue', (w, i) => {
    const r = rows[i & (POOL - 1)];
    w.beginDataRow(3);
    for (let c = 0; c < 3; c++) {
      const v = r[c];
      if (v === null) w.nullValue();
      else w.textValue(v);
    }
    w.endDataRow();
  });
}
