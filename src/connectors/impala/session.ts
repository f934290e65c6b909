/**
 * An Impala session: one HS2 connection and one session opened on it (OpenSession), with the RPCs a
 * statement needs, each checking its TStatus (Hs2StatusError when it is not SUCCESS).
 *
 * OpenSession asks for protocol V6 (columnar result sets; what impala-shell and impyla speak) and
 * sets no configuration: the session runs with the engine's defaults, as any other client's would.
 * The user name also goes in the request: Impala uses it when the connection itself carries none
 * (NOSASL) and ignores it otherwise.
 */
import { ConnectionLostError, Hs2StatusError } from './errors.ts';
import {
  FETCH_NEXT,
  GET_INFO_DBMS_VER,
  PROTOCOL_V6,
  TStatusCode,
  type TFetchResultsResp,
  type TGetOperationStatusResp,
  type TOperationHandle,
  type TSessionHandle,
  type TStatus,
  type TTableSchema,
} from './thrift.ts';
import { Hs2Connection, type Endpoint } from './transport.ts';

export function checkStatus(rpc: string, status: TStatus | null | undefined): void {
  if (status === null || status === undefined) throw new ConnectionLostError(`${rpc}: reply without a status`);
  if (status.statusCode === TStatusCode.SUCCESS || status.statusCode === TStatusCode.SUCCESS_WITH_INFO || status.statusCode === TStatusCode.STILL_EXECUTING) return;
  throw new Hs2StatusError(rpc, status);
}

export class Hs2Session {
  /** Set once the session is known to be unusable (connection lost, session expired). */
  private closed = false;
  lastUsed = Date.now();
  /** Statements started on this session. */
  executions = 0;

  private constructor(
    readonly connection: Hs2Connection,
    readonly handle: TSessionHandle,
    readonly serverProtocol: number,
  ) {}

  /** Connects, authenticates and opens a session. Rejects with a GatewayError or an Hs2StatusError. */
  static async open(ep: Endpoint): Promise<Hs2Session> {
    const connection = await Hs2Connection.open(ep);
    try {
      const resp = await connection.call('OpenSession', { client_protocol: PROTOCOL_V6, username: ep.user });
      checkStatus('OpenSession', resp.status);
      if (!resp.sessionHandle) throw new Hs2StatusError('OpenSession', { errorMessage: 'OpenSession returned no session handle' });
      if (resp.serverProtocolVersion < PROTOCOL_V6) {
        throw new Hs2StatusError('OpenSession', {
          errorMessage: `the server speaks HiveServer2 protocol V${resp.serverProtocolVersion + 1}; tollgate needs V6 or later (columnar result sets, Impala 2.x and later)`,
        });
      }
      return new Hs2Session(connection, resp.sessionHandle, resp.serverProtocolVersion);
    } catch (e) {
      connection.destroy('opening the session failed');
      throw e;
    }
  }

  get broken(): boolean {
    return this.closed || this.connection.broken !== null;
  }

  markBroken(): void {
    this.closed = true;
  }

  async execute(statement: string): Promise<TOperationHandle> {
    this.executions++;
    const resp = await this.connection.call('ExecuteStatement', { sessionHandle: this.handle, statement, runAsync: true });
    checkStatus('ExecuteStatement', resp.status);
    if (!resp.operationHandle) throw new Hs2StatusError('ExecuteStatement', { errorMessage: 'ExecuteStatement returned no operation handle' });
    return resp.operationHandle;
  }

  async status(op: TOperationHandle): Promise<TGetOperationStatusResp> {
    const resp = await this.connection.call('GetOperationStatus', { operationHandle: op });
    checkStatus('GetOperationStatus', resp.status);
    return resp;
  }

  async metadata(op: TOperationHandle): Promise<TTableSchema> {
    const resp = await this.connection.call('GetResultSetMetadata', { operationHandle: op });
    checkStatus('GetResultSetMetadata', resp.status);
    if (!resp.schema) throw new Hs2StatusError('GetResultSetMetadata', { errorMessage: 'GetResultSetMetadata returned no schema' });
    return resp.schema;
  }

  async fetch(op: TOperationHandle, maxRows: number): Promise<TFetchResultsResp> {
    const resp = await this.connection.call('FetchResults', { operationHandle: op, orientation: FETCH_NEXT, maxRows });
    checkStatus('FetchResults', resp.status);
    return resp;
  }

  async closeOperation(op: TOperationHandle): Promise<void> {
    const resp = await this.connection.call('CloseOperation', { operationHandle: op });
    checkStatus('CloseOperation', resp.status);
  }

  async serverVersion(): Promise<string> {
    const resp = await this.connection.call('GetInfo', { sessionHandle: this.handle, infoType: GET_INFO_DBMS_VER });
    checkStatus('GetInfo', resp.status);
    return resp.infoValue?.stringValue ?? '';
  }

  /** CloseSession (bounded by `timeoutMs`), then the connection. Never rejects. */
  async close(timeoutMs = 2000): Promise<void> {
    this.closed = true;
    if (this.connection.broken === null) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.connection.call('CloseSession', { sessionHandle: this.handle }).catch(() => undefined),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, timeoutMs);
          timer.unref?.();
        }),
      ]);
      clearTimeout(timer);
    }
    this.connection.destroy('session closed');
  }
}
