#!/usr/bin/env bash
# Runs every test on a fresh Debian machine: installs what the tests need, then the whole suite.
#   - apt: tmux, curl, dovecot-imapd (a real IMAP server the email tests start on loopback), systemd (for
#     systemd-analyze, which checks the unit `csm service install` writes) and python3 (its plistlib reads
#     the macOS LaunchAgent back, the way a reference reader does)
#   - apt: chromium (the web dashboard's browser tests drive it with playwright-core; no browser download),
#     fonts-dejavu-core (the monospace font pane images are drawn with), espeak-ng + ffmpeg + pocketsphinx +
#     pocketsphinx-en-us (real speech for the voice tests: spoken, encoded as Telegram sends it, recognised)
#   - npm ci (Claude Code 2.1.197 is a devDependency: the version npm picks on Node 20)
#   - the latest Claude Code into .cache/claude-latest (users update all the time; both are tested)
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v tmux >/dev/null 2>&1 || need_apt+=(tmux)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
[ -x /usr/sbin/dovecot ] || need_apt+=(dovecot-imapd)
command -v systemd-analyze >/dev/null 2>&1 || need_apt+=(systemd)
command -v python3 >/dev/null 2>&1 || need_apt+=(python3)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
[ -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ] || need_apt+=(fonts-dejavu-core)
command -v espeak-ng >/dev/null 2>&1 || need_apt+=(espeak-ng)
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
command -v pocketsphinx_continuous >/dev/null 2>&1 || need_apt+=(pocketsphinx)
[ -d /usr/share/pocketsphinx/model/en-us ] || need_apt+=(pocketsphinx-en-us)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "installing with apt: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

npm ci --no-audit --no-fund

latest_dir=.cache/claude-latest
if [ ! -x "$latest_dir/node_modules/.bin/claude" ] || [ "${CSM_TEST_REFRESH_LATEST:-0}" = 1 ]; then
  mkdir -p "$latest_dir"
  # The latest release declares engines.node >= 22 but its native binary runs here; the warning is expected.
  npm i --prefix "$latest_dir" --no-audit --no-fund --no-save --loglevel=error @anthropic-ai/claude-code@latest
fi
echo "Claude Code under test: $(node_modules/.bin/claude --version) and $("$latest_dir/node_modules/.bin/claude" --version)"

npm run build
npm run typecheck
npm run lint
npx vitest run "$@"
