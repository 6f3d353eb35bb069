import { startFakeAnthropic, type FakeAnthropic } from '../fakes/anthropic-api.js';
import { prepareClaudeHome, workspace } from './claude.js';
import { startDaemon, type DaemonHandle, type StartDaemonOptions } from './daemon.js';

export interface ClaudeStack {
  api: FakeAnthropic;
  d: DaemonHandle;
  /** A trusted folder to start sessions in. */
  project: string;
  close(): Promise<void>;
}

/**
 * The fake Anthropic API, a Claude home that trusts a fresh project folder, and the real daemon launching
 * `bin` there with permission prompts on: what most end-to-end tests with the real CLI start from.
 */
export async function startClaudeStack(
  bin: string,
  prefix: string,
  o: Omit<StartDaemonOptions, 'claudeBin' | 'claudeEnv'> & { start?: (o: StartDaemonOptions) => Promise<DaemonHandle> } = {},
): Promise<ClaudeStack> {
  const { project, home } = workspace(prefix);
  const api = await startFakeAnthropic();
  const { start = startDaemon, ...rest } = o;
  const d = await start({ claudeBin: bin, claudeEnv: prepareClaudeHome({ dir: home, apiUrl: api.url, trustedDirs: [project] }), claudeArgs: ['--permission-mode', 'default'], ...rest });
  return {
    api, d, project,
    async close() {
      await d.cleanup();
      await api.close();
    },
  };
}
