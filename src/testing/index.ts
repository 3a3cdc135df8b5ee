/** The plugin test kit (`tessera/testing`): a host with only the plugins under test on a throwaway database. */
export { createTestHost, createThrowawayDatabase } from './test-host.ts';
export type { TestHost, TestHostOptions } from './test-host.ts';
