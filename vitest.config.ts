import { defineConfig } from 'vitest/config';

/**
 * The library's integration suite, the tmux end-to-end tests and the version test also run
 * against strongSwan 6.0 (Debian 13) and 6.1 (unstable), each on a lab of its own (roots
 * built on first use, see lab/roots.ts). The long scale and fault tests run on 5.9 only.
 */
const VERSION_FILES = [
  'test/integration/vici-*.test.ts',
  'test/integration/e2e-*.test.ts',
  'test/integration/versions.test.ts',
];
const baseLab = {
  prefix: process.env.SWANTOP_TEST_LAB_PREFIX || 'swt',
  dir: process.env.SWANTOP_TEST_LAB_DIR || '/run/swantop-test-lab',
};
const versionProject = (release: '6.0' | '6.1', groupOrder: number) => ({
  test: {
    name: `strongswan-${release}`,
    sequence: { groupOrder },
    include: VERSION_FILES,
    globalSetup: ['test/integration/global-setup.ts'],
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 300_000,
    env: {
      SWANTOP_TEST_STRONGSWAN: release,
      SWANTOP_TEST_LAB_PREFIX: `${baseLab.prefix}${release.replace('.', '')}`,
      SWANTOP_TEST_LAB_DIR: `${baseLab.dir}-${release}`,
    },
  },
});

// Unit and UI tests run in parallel; integration tests share one real lab (started by the
// global setup) and run one file at a time so their effects on the daemons do not interleave.
// The integration project starts once the unit project is done (groupOrder): some of its
// tests time the monitor's reactions, and on two cores the unit tests would be in the way.
// The strongSwan 6.0 and 6.1 projects follow, one after the other, for the same reason.
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
      versionProject('6.0', 2),
      versionProject('6.1', 3),
    ],
  },
});
