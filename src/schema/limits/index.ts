export { defaultQueryLimits, loadQueryLimits, queryLimitsEnvironment, type QueryLimits } from './query-limits.ts';
export { checkTokenLimit, maxAliasesRule, maxDepthRule, maxDirectivesRule, queryLimitRules } from './validation-rules.ts';
export { checkCost, costError, operationCost } from './operation-cost.ts';
export { checkBatch, checkVariablesSize } from './batch.ts';
export { queryLimitError, queryLimitErrorCode, type QueryLimitErrorExtensions } from './limit-error.ts';
