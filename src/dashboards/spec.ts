import { readdir, readFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import YAML from 'yaml';
import { GatewayError } from '../errors/index.ts';

/**
 * Dashboards as code: the files under dashboards/ (cards/*.yaml, dashboards/*.yaml), read and checked.
 * A card is one native SQL question over the tollgate.* views; a dashboard lists cards by file name with
 * their place on Metabase's 24-column grid. Files are YAML (JSON is YAML too, so .json works as well).
 */

/** Metabase display types the cards may use. */
export const DISPLAYS = ['line', 'bar', 'table', 'scalar', 'progress'] as const;
export type Display = (typeof DISPLAYS)[number];

/** Metabase's dashboard grid is 24 columns wide (v0.46 and later). */
export const GRID_COLUMNS = 24;

export interface CardSpec {
  /** The file name without extension: how dashboards refer to the card. */
  key: string;
  /** The card's name in Metabase, unique among the cards: it is how push finds the card again. */
  name: string;
  description: string;
  display: Display;
  /** Native SQL over tollgate.* only (the views analysts may read). */
  query: string;
  /** The result columns, in order; the SQL test checks them. */
  columns: string[];
  visualizationSettings: Record<string, unknown>;
}

export interface DashcardSpec {
  card: string;
  row: number;
  col: number;
  sizeX: number;
  sizeY: number;
}

export interface DashboardSpec {
  key: string;
  name: string;
  description: string;
  cards: DashcardSpec[];
}

export interface DashboardsSpec {
  cards: CardSpec[];
  dashboards: DashboardSpec[];
}

function invalid(file: string, message: string): GatewayError {
  return new GatewayError('CONFIG_INVALID', `${file}: ${message}`);
}

type Doc = Record<string, unknown>;

function str(file: string, doc: Doc, field: string, optional = false): string {
  const v = doc[field];
  if (v === undefined && optional) return '';
  if (typeof v !== 'string' || v.trim() === '') throw invalid(file, `${field} must be a non-empty string`);
  return v.trim();
}

function int(file: string, doc: Doc, field: string, min: number): number {
  const v = doc[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw invalid(file, `${field} must be an integer >= ${min}`);
  return v;
}

function object(file: string, v: unknown, what: string): Doc {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalid(file, `${what} must be a mapping`);
  return v as Doc;
}

function unknownFields(file: string, doc: Doc, allowed: readonly string[]): void {
  const extra = Object.keys(doc).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw invalid(file, `unknown field ${extra.map((k) => JSON.stringify(k)).join(', ')}`);
}

/** Every table a card reads must be a tollgate.* view: Metabase's connection can read nothing else anyway. */
function checkTables(file: string, query: string): void {
  const re = /\b(?:from|join)\s+([a-z_][a-z0-9_]*(?:\s*\.\s*[a-z_][a-z0-9_]*)?)/gi;
  for (const m of query.matchAll(re)) {
    const table = m[1]!.replace(/\s+/g, '').toLowerCase();
    if (!table.startsWith('tollgate.')) throw invalid(file, `the query reads ${table}; cards read only the tollgate.* views`);
  }
}

function parseCard(file: string, key: string, raw: unknown): CardSpec {
  const doc = object(file, raw, 'a card');
  unknownFields(file, doc, ['name', 'description', 'display', 'query', 'columns', 'visualization_settings']);
  const display = str(file, doc, 'display') as Display;
  if (!DISPLAYS.includes(display)) throw invalid(file, `display must be one of ${DISPLAYS.join(', ')}`);
  const query = str(file, doc, 'query');
  checkTables(file, query);
  const columns = doc.columns;
  if (!Array.isArray(columns) || columns.length === 0 || !columns.every((c) => typeof c === 'string' && c !== '')) {
    throw invalid(file, 'columns must list the result column names');
  }
  const settings = doc.visualization_settings === undefined ? {} : object(file, doc.visualization_settings, 'visualization_settings');
  return { key, name: str(file, doc, 'name'), description: str(file, doc, 'description', true), display, query, columns: columns as string[], visualizationSettings: settings };
}

function parseDashboard(file: string, key: string, raw: unknown, cards: ReadonlyMap<string, CardSpec>): DashboardSpec {
  const doc = object(file, raw, 'a dashboard');
  unknownFields(file, doc, ['name', 'description', 'cards']);
  if (!Array.isArray(doc.cards) || doc.cards.length === 0) throw invalid(file, 'cards must list at least one card');
  const placed = doc.cards.map((c, i): DashcardSpec => {
    const d = object(file, c, `cards[${i}]`);
    unknownFields(file, d, ['card', 'row', 'col', 'size_x', 'size_y']);
    const card = str(file, d, 'card');
    if (!cards.has(card)) throw invalid(file, `cards[${i}] names card "${card}", which has no file in cards/`);
    const spec = { card, row: int(file, d, 'row', 0), col: int(file, d, 'col', 0), sizeX: int(file, d, 'size_x', 1), sizeY: int(file, d, 'size_y', 1) };
    if (spec.col + spec.sizeX > GRID_COLUMNS) throw invalid(file, `cards[${i}] (${card}) ends past column ${GRID_COLUMNS}`);
    return spec;
  });
  return { key, name: str(file, doc, 'name'), description: str(file, doc, 'description', true), cards: placed };
}

async function readDocs(dir: string): Promise<Array<{ file: string; key: string; doc: unknown }>> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new GatewayError('CONFIG_INVALID', `cannot read ${dir}: ${(e as Error).message}`);
  }
  const files = names.filter((n) => ['.yaml', '.yml', '.json'].includes(extname(n))).sort();
  return Promise.all(
    files.map(async (n) => {
      const file = join(dir, n);
      let doc: unknown;
      try {
        doc = YAML.parse(await readFile(file, 'utf8'));
      } catch (e) {
        throw invalid(file, (e as Error).message);
      }
      return { file, key: basename(n, extname(n)), doc };
    }),
  );
}

/** Reads and checks <dir>/cards and <dir>/dashboards; throws CONFIG_INVALID naming the file at fault. */
export async function loadDashboards(dir: string): Promise<DashboardsSpec> {
  const cards = (await readDocs(join(dir, 'cards'))).map((d) => parseCard(d.file, d.key, d.doc));
  const byKey = new Map(cards.map((c) => [c.key, c]));
  const names = new Set<string>();
  for (const c of cards) {
    if (names.has(c.name)) throw new GatewayError('CONFIG_INVALID', `two cards are named "${c.name}"; push finds cards by name`);
    names.add(c.name);
  }
  const dashboards = (await readDocs(join(dir, 'dashboards'))).map((d) => parseDashboard(d.file, d.key, d.doc, byKey));
  if (new Set(dashboards.map((d) => d.name)).size !== dashboards.length) throw new GatewayError('CONFIG_INVALID', 'two dashboards share a name');
  return { cards, dashboards };
}
