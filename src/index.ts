/** The API plugin authors use: declare plugins and jobs, reach other plugins and request state, raise coded errors. */
// type-graphql's decorators (run as these modules load) need the metadata polyfill first.
import 'reflect-metadata';
export { definePlugin, requestState, hostApiVersion } from './core/plugins/define-plugin.ts';
export type { PluginDefinition, PluginContext, PluginRuntime, PluginConfigSpec, PluginDatabaseSpec } from './core/plugins/define-plugin.ts';
export { serviceHandle, requestStateHandle } from './core/plugins/handles.ts';
export type { ServiceHandle, RequestStateHandle } from './core/plugins/handles.ts';
export type { PluginDatabase, PrismaClientClass } from './core/database/plugin-database.ts';
export type { Logger } from './core/logger.ts';
export type { EventBus } from './core/pubsub.ts';
export { defineJob } from './core/jobs/job.ts';
export type { JobDefinition, JobContext, JobOutcome, RunReporter, InvalidRecordInput, JobCursorStore } from './core/jobs/job.ts';
export type { RequestContext } from './core/request-context.ts';
export { ConnectionArgs, PageInfo, connectionType, paginate } from './schema/pagination.ts';
export { defineEntity, column, text, language, belongsTo, hasMany, computed } from './core/plugins/entity.ts';
export type {
  Entity,
  EntityDeclaration,
  EntityField,
  FilterDeclaration,
  FilterCondition,
  FilterField,
  SortDeclaration,
  QueryDeclaration,
  TextsDeclaration,
  TextLanguage,
  LanguageResolver,
} from './core/plugins/entity.ts';
export { entityType, SortDirection } from './schema/read/graphql-types.ts';
export { loadEntity } from './schema/read/executor.ts';
export type { Connection, Edge, PageRequest } from './schema/pagination.ts';
export { uniqueLoader, groupLoader, compositeGroupLoader } from './schema/loaders.ts';
export { TesseraError, BadUserInputError, NotFoundError, ErrorCode } from './core/errors.ts';
export { UpstreamError } from './ingest/errors.ts';
export { fetchJson } from './ingest/fetch-json.ts';
export type { RetryPolicy, FetchJsonOptions, FetchJsonResult } from './ingest/fetch-json.ts';
export { upsertRows, replaceChildren, inTransaction } from './ingest/upsert.ts';
export type { ColumnSpec, TableSpec, Row } from './ingest/upsert.ts';
export { bulkUpsert } from './ingest/bulk-load.ts';
export { definePipelineJob } from './ingest/pipeline.ts';
export type { PipelineStage, PipelinePlan, PipelineLoader, PipelineCursor, BatchWriteResult } from './ingest/pipeline.ts';
export type { ChangeTracking } from './ingest/changes.ts';
export type { Source, SourceRecord, RejectedRecord, StepResult } from './ingest/sources/source.ts';
export type { ShapeChange, CommittedChange } from './core/jobs/job.ts';
export { csvSource } from './ingest/sources/csv-source.ts';
export { httpJsonSource } from './ingest/sources/http-json-source.ts';
export { sqlSource } from './ingest/sources/sql-source.ts';
export { mapFields } from './ingest/transforms/field-mapping.ts';
export { validateRecords, ValidationSummary } from './ingest/transforms/validate.ts';
