import type { OutputSettings } from '../wire/backend.ts';

/** PostgreSQL 15's defaults for the settings that value formatting depends on. */
export const DEFAULT_OUTPUT_SETTINGS: Readonly<OutputSettings> = Object.freeze({
  dateStyle: 'ISO, MDY',
  timeZone: 'UTC',
  extraFloatDigits: 1,
  intervalStyle: 'postgres',
  byteaOutput: 'hex',
});
