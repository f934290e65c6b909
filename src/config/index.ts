export { loadConfig, resolveConfig, parseConfigText, type Config, type ConfigOverrides } from './load.ts';
export type { ServerConfig, EngineConfig, DuckDBEngineConfig, ParquetTableConfig, UserConfig, TeamConfig } from './schema.ts';
export { ConfigSchema } from './schema.ts';
