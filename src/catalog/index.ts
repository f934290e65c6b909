/** catalog/: which tables tollgate serves, and the shadow catalog that answers BI tools' metadata queries. */
export { shadowCatalogDdl } from './shadow-ddl.ts';
export { catalogReferences, type CatalogReferences } from './detect.ts';
