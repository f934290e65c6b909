/**
 * dashboards/: Metabase dashboards as code (issue 9). The files under the repository's dashboards/
 * directory (spec.ts reads them) are pushed to a Metabase through its REST API (push.ts), idempotently.
 */
export { loadDashboards, DISPLAYS, GRID_COLUMNS, type CardSpec, type DashboardSpec, type DashcardSpec, type DashboardsSpec, type Display } from './spec.ts';
export { pushDashboards, type PushOptions, type PushResult, type Action, type ObjectKind } from './push.ts';
export { MetabaseClient, MetabaseError } from './metabase-client.ts';
export type { GatewayConnection } from './payloads.ts';
