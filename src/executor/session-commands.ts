import type { ColumnInfo } from '../connectors/contract.ts';
import { GatewayError } from '../errors/index.ts';
import type { SessionCommand, TransactionModes } from '../parser/index.ts';
import type { SessionEvents, StatementExecution, TransactionStatus } from '../wire/backend.ts';
import { batchesExecution, commandExecution, rowsExecution, textColumn } from './executions.ts';
import type { Cursors } from './cursors.ts';
import type { SessionSettings } from './session-settings.ts';

/** What a session command may touch. */
export interface SessionContext {
  readonly settings: SessionSettings;
  readonly cursors: Cursors;
  /** Savepoint names of the open transaction block, oldest first. */
  readonly savepoints: string[];
  transactionStatus(): TransactionStatus;
  beginTransaction(): void;
  endTransaction(commit: boolean): void;
  clearFailure(): void;
  /** Opens a cursor over a query (DECLARE). */
  declareCursor(name: string, query: string, hold: boolean, signal: AbortSignal): Promise<void>;
}

const SHOW_ALL_COLUMNS: ColumnInfo[] = [textColumn('name'), textColumn('setting'), textColumn('description')];

/** Statement names that PostgreSQL shows under a different spelling. */
const SHOW_COLUMN_NAMES: Record<string, string> = { timezone: 'TimeZone', datestyle: 'DateStyle', intervalstyle: 'IntervalStyle' };

/** Result columns of a session statement without running it (Describe after Parse). */
export function sessionCommandColumns(cmd: SessionCommand, ctx: SessionContext): readonly ColumnInfo[] | null {
  switch (cmd.kind) {
    case 'show':
      if (cmd.all) return SHOW_ALL_COLUMNS;
      return [textColumn(ctx.settings.spec(cmd.name)?.name ?? SHOW_COLUMN_NAMES[cmd.name] ?? cmd.name)];
    case 'fetch':
      return cmd.move ? null : (ctx.cursors.columns(cmd.cursor) ?? null);
    default:
      return null;
  }
}

function savepointIndex(ctx: SessionContext, name: string): number {
  const i = ctx.savepoints.lastIndexOf(name);
  if (i < 0) throw new GatewayError('INVALID_SAVEPOINT', `savepoint "${name}" does not exist`);
  return i;
}

function notSupported(what: string, hint?: string): GatewayError {
  return new GatewayError('FEATURE_NOT_SUPPORTED', `${what} is not supported by tollgate`, hint ? { hint } : {});
}

function applyModes(ctx: SessionContext, modes: TransactionModes, scope: 'local' | 'session'): void {
  const prefix = scope === 'session' ? 'default_' : '';
  if (modes.isolation) ctx.settings.set(`${prefix}transaction_isolation`, modes.isolation, scope);
  if (modes.readOnly !== null) ctx.settings.set(`${prefix}transaction_read_only`, modes.readOnly ? 'on' : 'off', scope);
}

/** Runs a session statement inside tollgate; no engine is involved. */
export async function runSessionCommand(cmd: SessionCommand, ctx: SessionContext, events: SessionEvents, signal: AbortSignal): Promise<StatementExecution> {
  const status = ctx.transactionStatus();
  const inBlock = status !== 'I';
  switch (cmd.kind) {
    case 'set': {
      if (cmd.local && !inBlock) {
        events.notice('SET LOCAL can only be used in transaction blocks', { severity: 'WARNING', sqlstate: '25P01' });
        return commandExecution('SET');
      }
      if (cmd.value === null) ctx.settings.reset(cmd.name);
      else ctx.settings.set(cmd.name, cmd.value, cmd.local ? 'local' : 'session');
      return commandExecution('SET');
    }
    case 'set-role':
      if (cmd.role === 'none') return commandExecution('SET');
      throw notSupported('SET ROLE', 'tollgate runs every statement as the user who logged in.');
    case 'set-session-authorization':
      if (cmd.user === null) return commandExecution('SET');
      throw notSupported('SET SESSION AUTHORIZATION', 'tollgate runs every statement as the user who logged in.');
    case 'set-transaction':
      if (!inBlock) {
        events.notice('SET TRANSACTION can only be used in transaction blocks', { severity: 'WARNING', sqlstate: '25P01' });
        return commandExecution('SET');
      }
      applyModes(ctx, cmd.modes, 'local');
      return commandExecution('SET');
    case 'set-session-characteristics':
      applyModes(ctx, cmd.modes, 'session');
      return commandExecution('SET');
    case 'set-transaction-snapshot':
      throw notSupported('SET TRANSACTION SNAPSHOT');
    case 'show': {
      if (cmd.all) return rowsExecution(SHOW_ALL_COLUMNS, ctx.settings.all().map((p) => [p.name, p.setting, p.description]), 'SHOW');
      const value = ctx.settings.show(cmd.name);
      return rowsExecution(sessionCommandColumns(cmd, ctx)!, [[value]], 'SHOW');
    }
    case 'reset':
      if (cmd.all) ctx.settings.resetAll();
      else ctx.settings.reset(cmd.name);
      return commandExecution('RESET');
    case 'begin':
      if (inBlock) events.notice('there is already a transaction in progress', { severity: 'WARNING', sqlstate: '25001' });
      else ctx.beginTransaction();
      applyModes(ctx, cmd.modes, 'local');
      return commandExecution('BEGIN');
    case 'commit':
    case 'rollback': {
      if (!inBlock) {
        events.notice('there is no transaction in progress', { severity: 'WARNING', sqlstate: '25P01' });
        return commandExecution(cmd.tag);
      }
      await ctx.cursors.closeTransactionScoped();
      // A failed transaction can only roll back, whatever the client asked for.
      const tag = status === 'E' ? 'ROLLBACK' : cmd.tag;
      ctx.endTransaction(cmd.kind === 'commit');
      if (cmd.chain) ctx.beginTransaction();
      return commandExecution(tag);
    }
    case 'savepoint':
      if (!inBlock) throw new GatewayError('NO_ACTIVE_TRANSACTION', 'SAVEPOINT can only be used in transaction blocks');
      ctx.savepoints.push(cmd.name);
      return commandExecution('SAVEPOINT');
    case 'release-savepoint':
      if (!inBlock) throw new GatewayError('NO_ACTIVE_TRANSACTION', 'RELEASE SAVEPOINT can only be used in transaction blocks');
      ctx.savepoints.splice(savepointIndex(ctx, cmd.name));
      return commandExecution('RELEASE');
    case 'rollback-to-savepoint':
      if (!inBlock) throw new GatewayError('NO_ACTIVE_TRANSACTION', 'ROLLBACK TO SAVEPOINT can only be used in transaction blocks');
      ctx.savepoints.splice(savepointIndex(ctx, cmd.name) + 1);
      // Read-only work has nothing to undo: the transaction is usable again.
      ctx.clearFailure();
      return commandExecution('ROLLBACK');
    case 'two-phase':
      throw notSupported(cmd.tag);
    case 'discard':
      if (cmd.target === 'all') {
        if (inBlock) throw new GatewayError('ACTIVE_TRANSACTION', 'DISCARD ALL cannot run inside a transaction block');
        ctx.settings.resetAll();
        await ctx.cursors.closeAll();
        return { ...commandExecution(cmd.tag), sessionEffect: { kind: 'deallocate', name: null } };
      }
      return commandExecution(cmd.tag);
    case 'deallocate':
      return { ...commandExecution(cmd.tag), sessionEffect: { kind: 'deallocate', name: cmd.name } };
    case 'listen':
    case 'unlisten':
      // Accepted so that tools which listen do not fail; tollgate never sends notifications.
      return commandExecution(cmd.tag);
    case 'notify':
      throw notSupported('NOTIFY');
    case 'declare':
      if (cmd.options.scroll) throw notSupported('SCROLL cursors', 'Declare the cursor NO SCROLL; tollgate cursors read forward only.');
      if (!cmd.options.hold && !inBlock) throw new GatewayError('NO_ACTIVE_TRANSACTION', 'DECLARE CURSOR can only be used in transaction blocks');
      if (cmd.options.binary) throw notSupported('DECLARE BINARY CURSOR');
      await ctx.declareCursor(cmd.name, cmd.query, cmd.options.hold, signal);
      return commandExecution('DECLARE CURSOR');
    case 'close':
      if (cmd.cursor === null) await ctx.cursors.closeAll();
      else await ctx.cursors.close(cmd.cursor);
      return commandExecution('CLOSE CURSOR');
    case 'fetch': {
      if (cmd.direction !== 'forward')
        throw new GatewayError('OBJECT_NOT_IN_PREREQUISITE_STATE', 'cursor can only scan forward', { hint: 'Declare it with SCROLL option to enable backward scan.' });
      const count = cmd.count === 'all' ? Infinity : cmd.count;
      const result = await ctx.cursors.fetch(cmd.cursor, count, cmd.move);
      if (cmd.move) return commandExecution(`MOVE ${result.rowCount}`);
      return batchesExecution(result.columns, result.batches, (n) => `FETCH ${n}`);
    }
  }
}
