import type { KernelTables } from './kernel-schema.js'

/**
 * The whole engine's schema as Kysely sees it: each module owns its tables and
 * adds them here.
 */
export interface Database extends KernelTables {}
