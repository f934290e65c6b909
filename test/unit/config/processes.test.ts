import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseConfigText, resolveConfig } from '../../../src/config/index.ts';
import { AUTO_PROCESSES_MAX, servingProcesses, shareDuckDBMemory } from '../../../src/config/processes.ts';

const GiB = 2 ** 30;

describe('server.processes', () => {
  it("'auto' is one per core, at most AUTO_PROCESSES_MAX; a number is taken as it is", () => {
    assert.deepEqual([1, 2, 3, 4, 16, 128].map((cores) => servingProcesses('auto', cores)), [1, 2, 3, 4, 4, 4]);
    assert.equal(AUTO_PROCESSES_MAX, 4);
    assert.equal(servingProcesses(8, 2), 8, 'an explicit count is not capped by the cores');
    assert.equal(servingProcesses(1, 16), 1);
  });

  it("gives each process's DuckDB engines their share of DuckDB's default memory, unless a limit is set", () => {
    const engines: Array<{ kind: string; memoryLimit?: string }> = [{ kind: 'duckdb' }, { kind: 'duckdb', memoryLimit: '1GB' }, { kind: 'postgres' }];
    shareDuckDBMemory(engines, 2, 8 * GiB);
    // 80% of 8 GiB is 6553 MB, halved.
    assert.deepEqual(engines, [{ kind: 'duckdb', memoryLimit: '3276MB' }, { kind: 'duckdb', memoryLimit: '1GB' }, { kind: 'postgres' }]);
    const tiny = [{ kind: 'duckdb' } as { kind: string; memoryLimit?: string }];
    shareDuckDBMemory(tiny, 64, 1 * GiB);
    assert.equal(tiny[0]!.memoryLimit, '64MB', 'never below 64 MB');
  });

  it('the loaded config holds the count; one process leaves DuckDB its own default', () => {
    const load = (server: string) => resolveConfig(parseConfigText(`server:\n${server}\nengines:\n  - name: lake\n    kind: duckdb\n`, 't.yaml'), 't.yaml', '/etc/tollgate', {}, {});
    const one = load('  processes: 1');
    assert.equal(one.server.processes, 1);
    assert.equal((one.engines[0] as { memoryLimit?: string }).memoryLimit, undefined);
    const three = load('  processes: 3');
    assert.equal(three.server.processes, 3);
    assert.match((three.engines[0] as { memoryLimit?: string }).memoryLimit!, /^\d+MB$/);
    assert.equal(load('  processes: auto').server.processes, servingProcesses('auto'));
    const overridden = resolveConfig(parseConfigText('server:\n  processes: 3\nengines:\n  - name: lake\n    kind: duckdb\n', 't.yaml'), 't.yaml', '/etc', { processes: 'auto' }, {});
    assert.equal(overridden.server.processes, servingProcesses('auto'), '--processes auto wins over the file');
  });
});
