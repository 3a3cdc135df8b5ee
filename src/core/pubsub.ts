import { Redis } from 'ioredis';
import { createPubSub } from '@graphql-yoga/subscription';
import { createRedisEventTarget } from './redis-event-target.ts';
import { SlidingBuffer } from '@repeaterjs/repeater';
import type { PubSub as TypeGraphQLPubSub } from 'type-graphql';
import type { Logger } from './logger.ts';

/**
 * Pub/sub for GraphQL subscriptions: in memory for one process, Redis (ioredis) when REDIS_URL is set so that
 * every instance, and a CLI ingestion, reach every subscriber. Payloads must be JSON-safe (ISO strings, not
 * Dates; numbers, not bigints): they cross Redis as JSON, and the in-memory bus gets the same plain objects so
 * that both behave alike.
 */
export interface EventBus {
  readonly kind: 'memory' | 'redis';
  /** The bus as type-graphql's `buildSchema({ pubSub })` expects it. */
  readonly pubSub: TypeGraphQLPubSub;
  publish<T extends object>(topic: string, payload: T): void;
  /** Resolves when Redis answers PING (always, in memory). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

// A subscriber that falls behind loses its oldest events rather than the server's memory.
const subscriberBufferSize = 1_000;

export function createEventBus(options: { redisUrl: string | undefined; logger: Logger; prefix?: string }): EventBus {
  const prefix = options.prefix ?? 'tessera:';
  if (!options.redisUrl) {
    const pubSub = createPubSub({ repeaterBuffer: new SlidingBuffer(subscriberBufferSize) });
    return {
      kind: 'memory',
      pubSub: prefixed(pubSub, prefix),
      publish(topic, payload) {
        pubSub.publish(prefix + topic, toPlain(payload));
      },
      async ping() {},
      async close() {},
    };
  }
  const connect = (role: string) => {
    const client = new Redis(options.redisUrl as string, { lazyConnect: false, maxRetriesPerRequest: 3, connectionName: `tessera-${role}` });
    client.on('error', (error) => options.logger.warn({ err: error, role }, 'redis connection error'));
    return client;
  };
  const publishClient = connect('publish');
  const subscribeClient = connect('subscribe');
  const pubSub = createPubSub({
    eventTarget: createRedisEventTarget({ publishClient, subscribeClient, logger: options.logger }),
    repeaterBuffer: new SlidingBuffer(subscriberBufferSize),
  });
  return {
    kind: 'redis',
    pubSub: prefixed(pubSub, prefix),
    publish(topic, payload) {
      pubSub.publish(prefix + topic, toPlain(payload));
    },
    async ping() {
      await publishClient.ping();
    },
    async close() {
      await Promise.allSettled([publishClient.quit(), subscribeClient.quit()]);
    },
  };
}

/** Topics are namespaced (REDIS_PREFIX) so that several deployments can share one Redis. */
function prefixed(
  pubSub: { publish(topic: string, payload: unknown): void; subscribe(topic: string): AsyncIterable<unknown> },
  prefix: string,
): TypeGraphQLPubSub {
  return {
    publish: (topic: string, payload: unknown) => pubSub.publish(prefix + topic, payload),
    subscribe: (topic: string) => pubSub.subscribe(prefix + topic),
  };
}

function toPlain<T>(payload: T): T {
  return JSON.parse(JSON.stringify(payload)) as T;
}
