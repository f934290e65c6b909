/** catalog/: which tables tollgate serves, and the shadow catalog that answers BI tools' metadata queries. */
export { shadowCatalogDdl } from './shadow-ddl.ts';
export { catalogReferences, type CatalogReferences } from './detect.ts';
export { ShadowCatalog, CatalogSession, type CatalogResult } from './shadow-catalog.ts';
export { ServedTables, type ServedTable } from './served-tables.ts';
