import { defineConfig } from 'vitest/config';

// Unit and UI tests run in parallel; integration tests share one real lab (started by the
// global setup) and run one file at a time so their effects on the daemons do not interleave.
// The integration project starts once the unit project is done (groupOrder): some of its
// tests time the monitor's reactions, and on two cores the unit tests would be in the way.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          sequence: { groupOrder: 0 },
          include: ['test/unit/**/*.test.ts', 'test/ui/**/*.test.{ts,tsx}'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'integration',
          sequence: { groupOrder: 1 },
          include: ['test/integration/**/*.test.{ts,tsx}'],
          globalSetup: ['test/integration/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
