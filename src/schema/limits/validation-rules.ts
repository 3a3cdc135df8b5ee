import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  type ASTVisitor,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { queryLimitError } from './limit-error.ts';
import type { QueryLimits } from './query-limits.ts';

/**
 * graphql-js validation rules for the depth, aliases and directives of each operation. Add them after
 * `specifiedRules`: `validate(schema, document, [...specifiedRules, ...queryLimitRules(limits)])`.
 */
export function queryLimitRules(limits: QueryLimits): ValidationRule[] {
  return [maxDepthRule(limits.maxDepth), maxAliasesRule(limits.maxAliases), maxDirectivesRule(limits.maxDirectives)];
}

/** Rejects operations whose longest chain of nested fields (through fragments) is longer than `max`. */
export function maxDepthRule(max: number): ValidationRule {
  return operationRule((measure, operation, context) => {
    if (measure.depth > max)
      context.reportError(
        queryLimitError(
          'maxDepth',
          max,
          measure.depth,
          `Query depth ${measure.depth} exceeds the limit of ${max}: request fewer nested levels, or split the query.`,
          operation,
        ),
      );
  });
}

/** Rejects operations with more than `max` aliased fields; a fragment's aliases count once per spread. */
export function maxAliasesRule(max: number): ValidationRule {
  return operationRule((measure, operation, context) => {
    if (measure.aliases > max)
      context.reportError(
        queryLimitError(
          'maxAliases',
          max,
          measure.aliases,
          `Query alias count ${measure.aliases} exceeds the limit of ${max}: use fewer aliases, or split the query into several requests.`,
          operation,
        ),
      );
  });
}

/** Rejects operations with more than `max` directive uses; a fragment's directives count once per spread. */
export function maxDirectivesRule(max: number): ValidationRule {
  return operationRule((measure, operation, context) => {
    if (measure.directives > max)
      context.reportError(
        queryLimitError(
          'maxDirectives',
          max,
          measure.directives,
          `Query directive count ${measure.directives} exceeds the limit of ${max}: use fewer directives (@include, @skip…), or split the query.`,
          operation,
        ),
      );
  });
}

/**
 * Counts the lexical tokens of a document (comments included) and returns an error as soon as there are more
 * than `maxTokens`, without lexing the rest: call it on the raw query text before parsing. Returns undefined
 * for a document within the limit, and for one with a syntax error before the limit (the parser reports it).
 */
export function checkTokenLimit(source: string, maxTokens: number): GraphQLError | undefined {
  const lexer = new Lexer(new Source(source));
  // One `advance()` skips any run of comments; this makes the lexer itself stop a run longer than the limit. It is
  // the (internal) counter behind graphql's own `parse(…, { maxComments })`; without it, only the early stop on runs of comments is lost.
  lexer._maxComments = maxTokens;
  let count = 0;
  try {
    for (let previous = lexer.token; previous.kind !== TokenKind.EOF;) {
      const token = lexer.advance();
      // Comments between the two tokens, then the token itself (but not the end of the document).
      for (let skipped = previous.next; skipped !== null && skipped !== token; skipped = skipped.next) count++;
      if (token.kind !== TokenKind.EOF) count++;
      if (count > maxTokens) return tooManyTokens(maxTokens);
      previous = token;
    }
  } catch (error) {
    if (lexer._commentCount >= maxTokens) return tooManyTokens(maxTokens);
    if (error instanceof GraphQLError) return undefined;
    throw error;
  }
  return undefined;
}

function tooManyTokens(max: number): GraphQLError {
  return queryLimitError(
    'maxTokens',
    max,
    max + 1,
    `Query token count exceeds the limit of ${max} (counting stopped at ${max + 1}): send a shorter document, with fewer fields, aliases and arguments, or split the query.`,
  );
}

/** What the rules measure of one operation, with its fragments expanded. */
interface OperationMeasure {
  depth: number;
  aliases: number;
  directives: number;
}

const none: OperationMeasure = { depth: 0, aliases: 0, directives: 0 };

/**
 * Fields whose selections do not count toward the depth: introspection answers from the in-memory schema, its
 * `ofType` chains are deep but do not fan out (the standard introspection query has depth 15), and graphql's
 * MaxIntrospectionDepthRule (in `specifiedRules`) already bounds its nested lists.
 */
const introspectionFields = new Set(['__schema', '__type']);

/** Measures per document and operation, so that the three rules walk each operation once. */
const measures = new WeakMap<DocumentNode, WeakMap<OperationDefinitionNode, OperationMeasure>>();

function operationRule(check: (measure: OperationMeasure, operation: OperationDefinitionNode, context: ValidationContext) => void): ValidationRule {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const document = context.getDocument();
      let byOperation = measures.get(document);
      if (byOperation === undefined) measures.set(document, (byOperation = new WeakMap()));
      let measure = byOperation.get(operation);
      if (measure === undefined) byOperation.set(operation, (measure = measureOperation(operation, (name) => context.getFragment(name))));
      check(measure, operation, context);
      return false;
    },
  });
}

/**
 * Depth (introspection excepted), aliases and directives of an operation, following fragment spreads. Each fragment is measured once
 * (its measure does not depend on where it is spread), so a document that spreads fragments exponentially
 * many times costs linear time. A spread of a fragment already being measured counts as empty: such cycles
 * are reported by graphql's NoFragmentCycles rule, and must not loop here.
 */
function measureOperation(
  operation: OperationDefinitionNode,
  getFragment: (name: string) => FragmentDefinitionNode | null | undefined,
): OperationMeasure {
  const fragments = new Map<string, OperationMeasure>();
  const entered = new Set<string>();

  function measureFragment(name: string): OperationMeasure {
    const known = fragments.get(name);
    if (known !== undefined) return known;
    const fragment = getFragment(name);
    if (fragment == null || entered.has(name)) return none;
    entered.add(name);
    const inner = measureSelectionSet(fragment.selectionSet);
    entered.delete(name);
    const measure = { ...inner, directives: inner.directives + (fragment.directives?.length ?? 0) };
    fragments.set(name, measure);
    return measure;
  }

  function measureSelectionSet(selectionSet: SelectionSetNode): OperationMeasure {
    let depth = 0;
    let aliases = 0;
    let directives = 0;
    for (const selection of selectionSet.selections) {
      directives += selection.directives?.length ?? 0;
      let inner: OperationMeasure;
      switch (selection.kind) {
        case Kind.FIELD:
          inner = selection.selectionSet === undefined ? none : measureSelectionSet(selection.selectionSet);
          depth = Math.max(depth, 1 + (introspectionFields.has(selection.name.value) ? 0 : inner.depth));
          if (selection.alias !== undefined) aliases += 1;
          break;
        case Kind.INLINE_FRAGMENT:
          inner = measureSelectionSet(selection.selectionSet);
          depth = Math.max(depth, inner.depth);
          break;
        case Kind.FRAGMENT_SPREAD:
          inner = measureFragment(selection.name.value);
          depth = Math.max(depth, inner.depth);
          break;
      }
      aliases += inner.aliases;
      directives += inner.directives;
    }
    return { depth, aliases, directives };
  }

  const measure = measureSelectionSet(operation.selectionSet);
  const operationDirectives =
    (operation.directives?.length ?? 0) +
    (operation.variableDefinitions ?? []).reduce((sum, variable) => sum + (variable.directives?.length ?? 0), 0);
  return { ...measure, directives: measure.directives + operationDirectives };
}
