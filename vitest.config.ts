import { defineConfig } from 'vitest/config';

// CI asks for a JSON report as well, to print the closing "N passed, N failed" line.
const report = process.env.CHITIEU_TEST_REPORT;

export default defineConfig({
  test: {
    include: ['packages/*/src/**/*.test.ts'],
    setupFiles: ['./vitest.setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    reporters: report ? ['default', ['json', { outputFile: report }]] : ['default'],
  },
});
