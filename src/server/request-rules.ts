import { GraphQLError, type ValidationRule } from 'graphql';
import { queryLimitRules, type QueryLimits } from '../schema/limits/index.ts';

/**
 * The validation rules of every operation, over HTTP (handed to Apollo as `validationRules`) and graphql-ws
 * (validated by the request pipeline) alike: graphql's `specifiedRules` first, then these.
 */
export interface RequestRules {
  /** Query limits (depth, aliases, directives), and no introspection where it is off. */
  validationRules: readonly ValidationRule[];
  /** "Did you mean …?" suggestions reveal the schema: hidden wherever introspection is off. */
  hideSuggestions: boolean;
}

export function requestRules(options: { introspection: boolean; limits: QueryLimits }): RequestRules {
  return {
    validationRules: [...queryLimitRules(options.limits), ...(options.introspection ? [] : [noIntrospectionRule])],
    hideSuggestions: !options.introspection,
  };
}

/** Refuses `__schema` and `__type` (the schema itself); `__typename` stays, clients need it for unions. */
export const noIntrospectionRule: ValidationRule = (context) => ({
  Field(node) {
    const name = node.name.value;
    if (name !== '__schema' && name !== '__type') return;
    context.reportError(
      new GraphQLError(`GraphQL introspection (${name}) is turned off on this server: use the published schema, or set TESSERA_INTROSPECTION=true.`, {
        nodes: node,
      }),
    );
  },
});

/** A message without its trailing "Did you mean …?" (graphql-js puts suggestions there, and only there). */
export function withoutSuggestions(message: string): string {
  return message.replace(/ ?Did you mean(.+?)\?$/, '');
}
