/** billing/: turning scan estimates into billed bytes and money, and saying so to the user. */
export { billedBytes, charge, formatBytes, formatMoney, DEFAULT_BILLING, TIB, type BillingPolicy, type Charge, type ReferenceBytes } from './pricing.ts';
export { dailyStorageCost, measureStorage, ownerOf, type StorageCharge, type StorageOwner } from './storage.ts';
