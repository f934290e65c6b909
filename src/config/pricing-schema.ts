import { Type } from '@sinclair/typebox';

/** What scanning costs on an engine (every engine kind's `pricing`). */
export const PricingSchema = Type.Object(
  { perTiB: Type.Number({ minimum: 0, description: 'Price per TiB scanned, in billing.currency.' }) },
  { additionalProperties: false },
);
