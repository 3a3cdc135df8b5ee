/** The API plugin authors use: declare plugins and jobs, read request state, raise coded errors. */
export { definePlugin, pluginRequestState, hostApiVersion } from './core/plugins/define-plugin.ts';
export type { PluginDefinition, PluginContext, PluginRuntime, PluginConfigSpec } from './core/plugins/define-plugin.ts';
export { defineJob } from './core/jobs/job.ts';
export type { JobDefinition, JobContext, JobOutcome, RunReporter, InvalidRecordInput, JobCursorStore } from './core/jobs/job.ts';
export type { RequestContext } from './schema/context.ts';
export { ConnectionArgs, PageInfo, connectionType, paginate } from './schema/pagination.ts';
export { uniqueLoader, groupLoader, compositeGroupLoader } from './schema/loaders.ts';
export { TesseraError, BadUserInputError, NotFoundError, ErrorCode } from './core/errors.ts';
export { fetchJson } from './ingest/fetch-json.ts';
export { upsertRows, replaceChildren, inTransaction } from './ingest/upsert.ts';
export { bulkUpsert } from './ingest/bulk-load.ts';
export { definePipelineJob } from './ingest/pipeline.ts';
export { csvSource } from './ingest/sources/csv-source.ts';
export { httpJsonSource } from './ingest/sources/http-json-source.ts';
export { sqlSource } from './ingest/sources/sql-source.ts';
export { mapFields } from './ingest/transforms/field-mapping.ts';
export { validateRecords, ValidationSummary } from './ingest/transforms/validate.ts';
