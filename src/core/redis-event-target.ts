import type { Redis } from 'ioredis';
import type { Logger } from './logger.ts';

type Listener = ((event: CustomEvent) => void) | { handleEvent(event: CustomEvent): void };

/**
 * An EventTarget over Redis pub/sub for @graphql-yoga/subscription. The published package of the same name lets
 * a failed PUBLISH or SUBSCRIBE become an unhandled rejection (which ends a Node process); this one logs it
 * with the topic and keeps serving.
 */
export function createRedisEventTarget(args: { publishClient: Redis; subscribeClient: Redis; logger: Logger }) {
  const { publishClient, subscribeClient, logger } = args;
  const callbacksByTopic = new Map<string, Map<Listener, (event: CustomEvent) => void>>();

  subscribeClient.on('message', (channel: string, message: string) => {
    const callbacks = callbacksByTopic.get(channel);
    if (!callbacks) return;
    let detail: unknown;
    try {
      detail = message === '' ? null : JSON.parse(message);
    } catch (error) {
      logger.warn({ err: error, topic: channel }, 'ignored a Redis message that is not JSON');
      return;
    }
    const event = new CustomEvent(channel, { detail });
    for (const callback of callbacks.values()) callback(event);
  });

  const listenerOf = (callbackOrOptions: Listener) =>
    ('handleEvent' in callbackOrOptions ? callbackOrOptions.handleEvent.bind(callbackOrOptions) : callbackOrOptions) as (event: CustomEvent) => void;

  return {
    addEventListener(topic: string, callbackOrOptions: Listener | null) {
      if (callbackOrOptions == null) return;
      let callbacks = callbacksByTopic.get(topic);
      if (!callbacks) {
        callbacks = new Map();
        callbacksByTopic.set(topic, callbacks);
        subscribeClient.subscribe(topic).catch((error: unknown) => logger.error({ err: error, topic }, 'Redis SUBSCRIBE failed'));
      }
      callbacks.set(callbackOrOptions, listenerOf(callbackOrOptions));
    },
    removeEventListener(topic: string, callbackOrOptions: Listener | null) {
      if (callbackOrOptions == null) return;
      const callbacks = callbacksByTopic.get(topic);
      if (!callbacks) return;
      callbacks.delete(callbackOrOptions);
      if (callbacks.size > 0) return;
      callbacksByTopic.delete(topic);
      subscribeClient.unsubscribe(topic).catch((error: unknown) => logger.warn({ err: error, topic }, 'Redis UNSUBSCRIBE failed'));
    },
    dispatchEvent(event: CustomEvent) {
      const body = event.detail === undefined ? '' : JSON.stringify(event.detail);
      publishClient
        .publish(event.type, body)
        .catch((error: unknown) => logger.error({ err: error, topic: event.type }, 'Redis PUBLISH failed: event lost'));
      return true;
    },
  };
}
