import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // End-to-end tests start real tmux, Claude Code, Dovecot and SMTP; they wait on conditions, so
    // the timeout is only a backstop against a hang.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default', './test/no-empty-run.ts'],
    setupFiles: ['./test/setup-env.ts'],
  },
});
