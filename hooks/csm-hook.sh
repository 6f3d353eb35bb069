#!/bin/sh
# csm hook: forwards one Claude Code hook event (JSON on stdin) to the csm daemon's POST /hook and prints
# the daemon's answer (only PermissionRequest gets one). It must never block or fail Claude: every error
# path exits 0 with no output, which Claude Code reads as "no decision".
#
#   csm-hook.sh [--global] [--wait SECONDS]
#   --global   installed in ~/.claude/settings.json: do nothing inside sessions the daemon started,
#              which carry their own per-launch hooks (CSM_SESSION_ID is set there).
#   --wait N   how long to wait for an answer (PermissionRequest); default 10 s.
#
# The token: CSM_TOKEN (in sessions the daemon started, that session's own credential, good for this session
# only), else the owner's token file. A refused token is logged by the daemon, once per session.

global=0
wait=10
while [ $# -gt 0 ]; do
  case "$1" in
    --global) global=1 ;;
    --wait) shift; wait="${1:-10}" ;;
  esac
  shift
done

if [ "$global" = 1 ] && [ -n "${CSM_SESSION_ID:-}" ]; then
  cat >/dev/null
  exit 0
fi

command -v curl >/dev/null 2>&1 || { cat >/dev/null; exit 0; }

if [ -z "${CSM_HOME:-}" ]; then
  if [ "$(uname -s 2>/dev/null)" = Darwin ]; then
    CSM_HOME="$HOME/Library/Application Support/claude-session-manager"
  else
    CSM_HOME="${XDG_DATA_HOME:-$HOME/.local/share}/claude-session-manager"
  fi
fi
url="${CSM_URL:-${CSM_DEFAULT_URL:-http://127.0.0.1:8420}}"
token="${CSM_TOKEN:-}"
if [ -z "$token" ] && [ -r "$CSM_HOME/token" ]; then
  token=$(cat "$CSM_HOME/token" 2>/dev/null)
fi
[ -n "$token" ] || { cat >/dev/null; exit 0; }

# Header values cannot hold newlines; these never do, but strip them anyway rather than break the request.
clean() { printf '%s' "$1" | tr -d '\r\n'; }

out=$(curl -sS --fail --connect-timeout 2 --max-time "$wait" \
  -X POST "$url/hook" \
  -H "Authorization: Bearer $token" \
  -H "Content-Type: application/json" \
  -H "X-CSM-Session: $(clean "${CSM_SESSION_ID:-}")" \
  -H "X-CSM-Pane: $(clean "${TMUX_PANE:-}")" \
  -H "X-CSM-Tmux: $(clean "${TMUX:-}")" \
  --data-binary @- 2>/dev/null) || exit 0

[ -n "$out" ] && printf '%s\n' "$out"
exit 0
