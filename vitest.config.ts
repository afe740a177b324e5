import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

// Projects: core (node), boot (the full Debian Linux boots, minutes each; also alone with
// `npm run test:boot`), renderer components (happy-dom), and end-to-end tests that start
// `vmdesk serve` and drive Debian's Chromium. `npm test` runs all four.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'core',
          environment: 'node',
          include: ['test/**/*.test.ts'],
          exclude: ['test/renderer/**', 'test/e2e/**', 'test/vmm/boot-linux-*.test.ts', 'test/server/linux-boot-api.test.ts'],
          testTimeout: 60_000,
        },
      },
      {
        test: {
          name: 'boot',
          environment: 'node',
          include: ['test/vmm/boot-linux-*.test.ts', 'test/server/linux-boot-api.test.ts'],
          testTimeout: 3_600_000,
          hookTimeout: 3_600_000,
        },
      },
      {
        plugins: [vue()],
        test: {
          name: 'renderer',
          environment: 'happy-dom',
          include: ['test/renderer/**/*.test.ts'],
        },
      },
      {
        test: {
          name: 'e2e',
          environment: 'node',
          include: ['test/e2e/**/*.test.ts'],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
