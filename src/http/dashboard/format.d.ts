// Types of format.js (plain JavaScript served to the browser as is), for the unit tests that import it.
export function formatMoney(amount: number, currency: string): string;
export function formatCount(n: number): string;
export function formatBytes(n: number): string;
export function formatPercent(fraction: number): string;
export function shortFingerprint(fp: string): string;
export function truncateSql(sql: string, max?: number): string;
export function daysBetween(from: string, to: string, max?: number): string[];
