import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    globalSetup: ['test/global-setup.ts'],
    // The JSON file is what .ci/run counts "N passed, N failed" from.
    reporters: ['default', 'json'],
    outputFile: { json: '.test-results.json' },
  },
});
