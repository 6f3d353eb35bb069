/**
 * The tests model an owner's laptop, not the machine that runs them. A CI runner exports CI (and some
 * export NO_COLOR or FORCE_COLOR), every daemon and tmux server a test starts inherits it, and Claude Code's
 * colour detection then draws its screens without colour: pane images and the browser terminal lose the
 * colours the tests check, as they would for no user. So the runner's markers go before any test starts.
 */
const RUNNER_MARKERS = [
  'CI', 'CONTINUOUS_INTEGRATION', 'BUILD_NUMBER', 'RUN_ID', 'TF_BUILD', 'AGENT_NAME', 'TEAMCITY_VERSION',
  'GITHUB_ACTIONS', 'GITEA_ACTIONS', 'GITLAB_CI', 'BUILDKITE', 'DRONE', 'CIRCLECI', 'TRAVIS', 'APPVEYOR',
  'NO_COLOR', 'FORCE_COLOR', 'NODE_DISABLE_COLORS',
];
for (const name of RUNNER_MARKERS) delete process.env[name];
if (!process.env.TERM || process.env.TERM === 'dumb') process.env.TERM = 'xterm-256color';
