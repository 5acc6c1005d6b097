import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'consumer-test',
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    // npm install, tsc and Nest boots are slow on a shared 2-core CI machine; these limits only
    // stop a hung run, they are not speed goals.
    hookTimeout: 300_000,
    testTimeout: 120_000,
    // One file at a time: each already runs npm or tsc, which use the cores.
    pool: 'forks',
    poolOptions: { forks: { singleFork: true } },
  },
});
