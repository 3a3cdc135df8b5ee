/** The plugin test kit (`tessera/testing`): a host with only the plugins under test on a throwaway database. */
export { createTestHost, createThrowawayDatabase } from './test-host.ts';
export type { TestHost, TestHostOptions } from './test-host.ts';
/** How many compiled read plans this process has made: a test checks that a repeated operation plans nothing new. */
export { readPlansCompiled } from '../schema/read/executor.ts';
