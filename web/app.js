// The csm dashboard: one page, two views (#/ sessions and inbox, #/s/<id> one session with its terminal).
// Plain JavaScript, no build step; it talks to daemon/web/ only: JSON routes for actions, one WebSocket for
// the event stream and the terminals (messages as in daemon/web/messages.ts and hub.ts).

const $ = (sel, root = document) => root.querySelector(sel);
const app = $('#app');

/** Builds an element: h('button.primary', {onclick}, 'Allow'). Text is always text, never HTML. */
function h(tag, props = {}, ...children) {
  const [name, ...classes] = tag.split('.');
  const el = document.createElement(name || 'div');
  if (classes.length) el.className = classes.join(' ');
  for (const [k, v] of Object.entries(props ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k in el && typeof v !== 'string') el[k] = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

const state = {
  csrf: null,
  sessions: new Map(),
  /** Numbered events, oldest first (the daemon keeps the latest 1000; so do we). */
  events: [],
  lastSeq: null,
  /** request_id → {by, outcome, session_id, title}: who answered, shown where the request was. */
  resolved: new Map(),
  ws: null,
  connected: false,
  /** The session page's terminal, when it is open. */
  term: null,
  message: null,
};

// ---------------------------------------------------------------- HTTP

async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(state.csrf && method !== 'GET' ? { 'x-csrf-token': state.csrf } : {}) },
    body: body !== undefined ? JSON.stringify(body) : undefined,
  });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw Object.assign(new Error(json.error ?? `HTTP ${res.status}`), { status: res.status });
  return json;
}

function flash(text, kind = 'error') {
  state.message = { text, kind, at: Date.now() };
  renderFlash();
  setTimeout(() => {
    if (state.message && Date.now() - state.message.at >= 5900) {
      state.message = null;
      renderFlash();
    }
  }, 6000);
}

function renderFlash() {
  let el = $('#flash');
  if (!el) el = document.body.appendChild(h('div', { id: 'flash', role: 'status', 'aria-live': 'polite' }));
  el.className = state.message ? `flash ${state.message.kind}` : 'flash hidden';
  el.textContent = state.message?.text ?? '';
}

/** Runs an action from a button: the button is busy meanwhile, an error is shown, never thrown. */
async function act(button, fn) {
  if (button) button.disabled = true;
  try {
    const r = await fn();
    return r;
  } catch (err) {
    flash(err.message);
    if (err.status === 401) showLogin();
  } finally {
    if (button) button.disabled = false;
  }
}

// ---------------------------------------------------------------- login

async function login() {
  const m = /^#login=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (m) {
    // The secret leaves the address bar and the history at once, used or not.
    history.replaceState(null, '', `${location.pathname}#/`);
    try {
      const r = await api('POST', '/web/api/login', { token: m[1] });
      state.csrf = r.csrf;
      return true;
    } catch (err) {
      showLogin(err.message);
      return false;
    }
  }
  try {
    state.csrf = (await api('GET', '/web/api/me')).csrf;
    return true;
  } catch (err) {
    showLogin(err.status === 401 ? undefined : err.message);
    return false;
  }
}

function showLogin(why) {
  state.ws?.close();
  state.ws = null;
  state.csrf = null;
  app.replaceChildren(
    h('section.card.login', {},
      h('h1', {}, 'Log in to csm'),
      h('p', {}, 'Run this on the machine where csm runs, then open the link it prints:'),
      h('pre.cmd', {}, 'csm web'),
      why ? h('p.error', {}, why) : null,
    ),
  );
  setConn('offline');
}

// ---------------------------------------------------------------- live connection

function setConn(s) {
  const el = $('#conn');
  el.dataset.state = s;
  el.textContent = { live: 'live', connecting: 'connecting…', offline: 'offline' }[s];
}

let backoff = 500;
function connect() {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/web/ws?csrf=${encodeURIComponent(state.csrf)}`);
  state.ws = ws;
  setConn('connecting');
  ws.onopen = () => {
    backoff = 500;
    state.connected = true;
    setConn('live');
    // First connection: the whole kept history (inbox, histories); a reconnect: only what was missed.
    ws.send(JSON.stringify({ type: 'events', after: state.lastSeq ?? 0 }));
    state.term?.rewatch();
  };
  ws.onmessage = (e) => onMessage(JSON.parse(e.data));
  ws.onclose = (e) => {
    state.connected = false;
    if (state.ws !== ws) return;
    if (e.code === 4001) return showLogin('You were logged out (csm web --revoke).');
    setConn('offline');
    setTimeout(async () => {
      if (state.ws !== ws) return;
      // A refused upgrade looks like any close: ask whether the login still holds before retrying.
      if (await api('GET', '/web/api/me').then(() => true, (err) => err.status !== 401)) connect();
      else showLogin('Your login expired: run `csm web` for a new link.');
    }, backoff);
    backoff = Math.min(backoff * 2, 10_000);
  };
}

function send(m) {
  if (state.ws?.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(m));
}

function onMessage(m) {
  switch (m.type) {
    case 'hello':
      return;
    case 'event': {
      const e = m.event;
      if (state.lastSeq !== null && e.seq <= state.lastSeq) return;
      state.lastSeq = e.seq;
      state.events.push(e);
      if (state.events.length > 1000) state.events.shift();
      if (e.kind === 'resolved') {
        const s = state.sessions.get(e.session_id);
        const title = s?.pending?.request_id === e.request_id ? s.pending.title : (findRequest(e.request_id)?.title ?? 'request');
        state.resolved.set(e.request_id, { by: e.by, outcome: e.outcome, session_id: e.session_id, title, at: e.at });
      }
      return scheduleRender();
    }
    case 'sessions':
      state.sessions = new Map(m.sessions.map((s) => [s.id, s]));
      return scheduleRender();
    case 'frame':
      return state.term?.frame(m.session_id, m.frame);
    case 'control':
      return state.term?.controlled(m.session_id, m.on);
    case 'error':
      return flash(m.message);
    case 'revoked':
      return showLogin('You were logged out (csm web --revoke).');
  }
}

function findRequest(requestId) {
  for (let i = state.events.length - 1; i >= 0; i--) {
    const e = state.events[i];
    if ((e.kind === 'permission_request' || e.kind === 'waiting_input') && e.request.request_id === requestId) return e.request;
  }
  return null;
}

// ---------------------------------------------------------------- rendering

let renderQueued = false;
function scheduleRender() {
  if (renderQueued) return;
  renderQueued = true;
  requestAnimationFrame(() => {
    renderQueued = false;
    render();
  });
}

function route() {
  const m = /^#\/s\/([0-9a-f]+)/.exec(location.hash);
  return m ? { view: 'session', id: m[1] } : { view: 'sessions' };
}

function render() {
  if (!state.csrf) return;
  const r = route();
  if (r.view === 'session') return renderSession(r.id);
  state.term?.dispose();
  state.term = null;
  $('#crumb').textContent = '';
  // Keep what the person is typing: the new-session form is rendered once and kept.
  const form = $('#new-session') ?? newSessionForm();
  app.replaceChildren(inboxSection(), sessionsSection(), form);
  refreshFolders(form);
}

const ago = (ms) => {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.round(s / 60)}m`;
  if (s < 86400) return `${Math.round(s / 3600)}h`;
  return `${Math.round(s / 86400)}d`;
};
const shortPath = (p) => p.replace(/^\/(home|Users)\/[^/]+/, '~');
const byLabel = { telegram: 'Telegram', email: 'email', mcp: 'MCP', api: 'the API', cli: 'the CLI', web: 'the dashboard', terminal: 'the terminal', daemon: 'csm' };

function inboxSection() {
  const waiting = [...state.sessions.values()].filter((s) => s.pending && s.status !== 'dead').sort((a, b) => a.pending.created_at - b.pending.created_at);
  const recent = [...state.resolved.values()].filter((r) => Date.now() - r.at < 10 * 60_000).slice(-5).reverse();
  return h('section.inbox', { id: 'inbox', 'aria-label': 'Inbox' },
    h('h2', {}, 'Inbox ', h('span.count', {}, String(waiting.length))),
    waiting.length === 0 ? h('p.muted', {}, 'Nothing waits for you.') : waiting.map((s) => keptCard('#inbox', s, s.pending, true)),
    recent.length ? h('ul.resolved', { 'aria-label': 'Recently answered' }, recent.map((r) =>
      h('li', { dataset: { request: r.session_id } }, `✓ ${r.session_id} ${r.title}: ${r.outcome} — by ${byLabel[r.by.channel] ?? r.by.channel}${r.by.user ? ` (${r.by.user})` : ''}`))) : null,
  );
}

/** The card already shown for this request, so that what the person is typing into it survives a re-render. */
function keptCard(where, s, p, withSession) {
  const old = document.querySelector(`${where} article.request[data-request="${CSS.escape(p.request_id)}"]`);
  return old ?? requestCard(s, p, withSession);
}

/** One pending request with its answers: permission buttons, question options (boxes for multi-select), dialog options, text. */
function requestCard(s, p, withSession) {
  const answer = (button, choice, message) =>
    act(button, async () => {
      const r = await api('POST', `/web/api/session/${s.id}/answer`, { request_id: p.request_id, choice, ...(message ? { message } : {}) });
      flash(`${s.id}: ${r.outcome}`, 'ok');
    });
  const kindLabel = { permission: '🔔 Permission', question: '❓ Question', dialog: '🗨 Dialog', screen: '🖥 Screen' }[p.kind];
  const card = h('article.card.request', { dataset: { session: s.id, request: p.request_id, kind: p.kind } },
    h('div.req-head', {},
      h('span.kind', {}, kindLabel),
      withSession ? h('a.sid', { href: `#/s/${s.id}` }, s.id) : null,
      withSession ? h('span.muted.folder', {}, shortPath(s.cwd)) : null,
    ),
    h('h3', {}, p.step && p.step.count > 1 ? `${p.step.header} (${p.step.index + 1} of ${p.step.count}): ${p.title}` : p.title),
    p.detail && p.detail !== p.title ? h('pre.detail', {}, p.detail.length > 1500 ? `${p.detail.slice(0, 1500)}…` : p.detail) : null,
  );
  const buttons = h('div.options');
  if (p.kind === 'permission') {
    for (const o of p.options) {
      const cls = o.key === 'deny' ? 'button.danger' : o.key === 'allow' ? 'button.primary' : 'button';
      buttons.append(h(cls, { type: 'button', onclick: (e) => answer(e.currentTarget, o.key, o.key === 'deny' ? $('input.why', card)?.value : undefined) }, o.label));
    }
    card.append(buttons, h('input.why', { type: 'text', placeholder: 'Reason, if you deny (optional)', 'aria-label': 'Reason for deny' }));
    return card;
  }
  if (p.multi_select) {
    for (const o of p.options) {
      buttons.append(h('label.check', {}, h('input', { type: 'checkbox', value: o.key }), ` ${o.key}. ${o.label}`, o.description ? h('small', {}, ` — ${o.description}`) : null));
    }
    buttons.append(h('button.primary', { type: 'button', onclick: (e) => {
      const keys = [...card.querySelectorAll('input[type=checkbox]:checked')].map((c) => c.value);
      if (keys.length === 0) return flash('Tick at least one option.');
      answer(e.currentTarget, keys.join(','));
    } }, 'Submit'));
  } else if (p.kind === 'screen') {
    for (const key of ['Enter', 'Escape', 'Up', 'Down', 'Tab', '1', '2', '3', 'y', 'n']) {
      buttons.append(h('button.key', { type: 'button', onclick: (e) => answer(e.currentTarget, key) }, { Up: '↑', Down: '↓', Escape: 'Esc' }[key] ?? key));
    }
  } else {
    for (const o of p.options) {
      buttons.append(h('button', { type: 'button', onclick: (e) => answer(e.currentTarget, o.key) }, `${o.key}. ${o.label}`, o.description ? h('small', {}, o.description) : null));
    }
  }
  card.append(buttons);
  if (p.allows_text || p.kind === 'screen') {
    const text = h('input.answer-text', { type: 'text', placeholder: p.kind === 'screen' ? 'Type text, then Enter' : 'Or answer in your own words', 'aria-label': 'Answer text' });
    card.append(h('form.row', { onsubmit: (e) => {
      e.preventDefault();
      if (text.value.trim()) answer(e.submitter ?? null, text.value);
    } }, text, h('button', { type: 'submit' }, 'Send')));
  }
  return card;
}

function sessionsSection() {
  const list = [...state.sessions.values()].sort((a, b) => (a.status === 'dead') - (b.status === 'dead') || b.started_at - a.started_at);
  return h('section', { id: 'sessions', 'aria-label': 'Sessions' },
    h('h2', {}, 'Sessions'),
    list.length === 0 ? h('p.muted', {}, 'No sessions yet: start one below.') : list.map(sessionCard),
  );
}

function sessionActions(s) {
  if (s.status === 'dead') return null;
  const command = (name) => (e) => act(e.currentTarget, async () => {
    const r = await api('POST', `/web/api/session/${s.id}/command`, { command: name });
    flash(r.delivered ? `${s.id}: /${name} sent` : `${s.id}: /${name} typed, not confirmed yet`, 'ok');
  });
  // Kill asks twice on the same button: no modal dialog, and a stray tap does nothing.
  const kill = h('button.danger', { type: 'button', onclick: (e) => {
    const b = e.currentTarget;
    if (b.dataset.armed !== '1') {
      b.dataset.armed = '1';
      b.textContent = 'Really kill?';
      setTimeout(() => { b.dataset.armed = ''; b.textContent = 'Kill'; }, 4000);
      return;
    }
    act(b, async () => {
      await api('POST', `/web/api/session/${s.id}/kill`, {});
      flash(`${s.id} stopped`, 'ok');
    });
  } }, 'Kill');
  return h('div.actions', {},
    h('button', { type: 'button', onclick: command('clear') }, '/clear'),
    h('button', { type: 'button', onclick: command('compact') }, '/compact'),
    kill,
  );
}

function statusText(s) {
  return { starting: 'starting', running: 'working', waiting_permission: 'needs permission', waiting_input: 'waiting for you', idle: 'idle', dead: 'ended' }[s.status] ?? s.status;
}

function sessionCard(s) {
  return h('article.card.session', { dataset: { session: s.id, status: s.status } },
    h('div.row.spread', {},
      h('a.sid', { href: `#/s/${s.id}` }, s.id),
      h('span.badge', { dataset: { status: s.status } }, statusText(s)),
    ),
    h('div.folder', { title: s.cwd }, shortPath(s.cwd)),
    h('div.meta.muted', {}, `started ${ago(s.started_at)} ago · output ${ago(s.last_output_at)} ago`),
    s.pending ? h('div.waits', {}, `Waits on: ${s.pending.title}`) : null,
    s.last_message ? h('p.last', {}, s.last_message.length > 280 ? `${s.last_message.slice(0, 280)}…` : s.last_message) : null,
    h('div.row', {}, h('a.button', { href: `#/s/${s.id}` }, 'Open'), sessionActions(s)),
  );
}

function newSessionForm() {
  const input = h('input', { type: 'text', name: 'cwd', list: 'recent-folders', placeholder: '/path/to/project', required: true, autocomplete: 'off', 'aria-label': 'Folder' });
  const form = h('form.card', { id: 'new-session', onsubmit: (e) => {
    e.preventDefault();
    act($('button', form), async () => {
      const r = await api('POST', '/web/api/session/new', { cwd: input.value.trim() });
      flash(`Started ${r.session_id} in ${shortPath(r.session.cwd)}`, 'ok');
      input.value = '';
      location.hash = `#/s/${r.session_id}`;
    });
  } },
    h('h2', {}, 'Start a session'),
    h('div.row', {}, input, h('button.primary', { type: 'submit' }, 'Start')),
    h('datalist', { id: 'recent-folders' }),
  );
  return form;
}

function refreshFolders(form) {
  const list = $('datalist', form);
  const folders = [...new Set([...state.sessions.values()].sort((a, b) => b.started_at - a.started_at).map((s) => s.cwd))].slice(0, 10);
  list.replaceChildren(...folders.map((f) => h('option', { value: f })));
  const chips = $('.chips', form) ?? form.appendChild(h('div.chips'));
  chips.replaceChildren(...folders.slice(0, 5).map((f) => h('button.chip', { type: 'button', onclick: () => { $('input', form).value = f; } }, shortPath(f))));
}

// ---------------------------------------------------------------- session page

function renderSession(id) {
  const s = state.sessions.get(id);
  if (!s) {
    app.replaceChildren(h('p.pad', {}, state.sessions.size ? `No session ${id}. ` : 'Loading… ', h('a', { href: '#/' }, 'All sessions')));
    return;
  }
  $('#crumb').textContent = `› ${id}`;
  if (!state.term || state.term.id !== id) {
    state.term?.dispose();
    state.term = terminalView(s);
    app.replaceChildren(h('div.session-page', {},
      h('section.head', { id: 'session-head' }),
      state.term.el,
      h('aside.side', {}, h('section', { id: 'session-pending' }), h('section', { id: 'session-history' })),
    ));
  }
  $('#session-head').replaceChildren(
    h('div.row.spread', {}, h('strong.sid', {}, s.id), h('span.badge', { dataset: { status: s.status } }, statusText(s))),
    h('div.folder', { title: s.cwd }, shortPath(s.cwd)),
    sessionActions(s),
  );
  $('#session-pending').replaceChildren(...(s.pending && s.status !== 'dead' ? [h('h2', {}, 'Waiting for you'), keptCard('#session-pending', s, s.pending, false)] : []));
  $('#session-history').replaceChildren(h('h2', {}, 'History'), historyList(id));
}

function historyLine(e) {
  switch (e.kind) {
    case 'started': return `🚀 started${e.adopted ? ' (adopted)' : ''} in ${shortPath(e.cwd)}`;
    case 'permission_request': return `🔔 asked: ${e.request.title}${e.request.detail ? ` — ${e.request.detail.split('\n')[0]}` : ''}`;
    case 'waiting_input': return `❓ ${e.request.title}`;
    case 'resolved': return `✓ ${e.outcome} — by ${byLabel[e.by.channel] ?? e.by.channel}${e.by.user ? ` (${e.by.user})` : ''}`;
    case 'idle': return `💤 idle for ${e.idle_seconds}s`;
    case 'idle_long': return `💤 idle for ${e.idle_seconds}s`;
    case 'finished': return `✅ finished${e.last_message ? `: ${e.last_message}` : ''}`;
    case 'error': return `❌ ${e.message}`;
    case 'dead': return `⏹ ended${e.exit_code !== null ? ` (exit ${e.exit_code})` : ''}`;
    case 'notify': return `📣 ${e.subject ? `${e.subject}: ` : ''}${e.message}`;
    default: return e.kind;
  }
}

function historyList(id) {
  const events = state.events.filter((e) => e.session_id === id).slice(-100).reverse();
  if (events.length === 0) return h('p.muted', {}, 'No events yet.');
  return h('ol.history', {}, events.map((e) => h('li', { dataset: { kind: e.kind } }, h('time', {}, new Date(e.at).toLocaleTimeString()), ' ', historyLine(e))));
}

/**
 * The session's terminal: xterm.js fed by snapshot and output frames, the size of the pane (never the other
 * way round: a browser never resizes the tmux window), read-only until "Take control".
 */
function terminalView(s) {
  const id = s.id;
  const term = new Terminal({ convertEol: false, scrollback: 2000, disableStdin: true, cursorBlink: false, fontSize: 13, fontFamily: 'ui-monospace, Menlo, "DejaVu Sans Mono", monospace', allowProposedApi: false });
  const screen = h('div.term-screen', { id: 'terminal', 'aria-label': `Terminal of ${id}` });
  const toggle = h('button.control', { type: 'button', 'aria-pressed': 'false', onclick: () => send({ type: 'control', session_id: id, on: !controlled }) }, 'Take control');
  const line = h('input', { type: 'text', placeholder: 'Type a line, Enter sends it', 'aria-label': 'Line to send', autocomplete: 'off', autocapitalize: 'off', spellcheck: false, enterkeyhint: 'send' });
  const keyButton = (label, data) => h('button.key', { type: 'button', onclick: () => keys(data) }, label);
  const inputRow = h('form.term-input', { hidden: true, onsubmit: (e) => {
    e.preventDefault();
    if (line.value) {
      send({ type: 'paste', session_id: id, text: line.value });
      line.value = '';
    }
    // Enter as its own key after the text, as a person would press it.
    setTimeout(() => keys('\r'), 150);
  } },
    line, h('button.primary', { type: 'submit' }, 'Send'),
    h('div.keys', {}, keyButton('Esc', '\x1b'), keyButton('Tab', '\t'), keyButton('↑', '\x1b[A'), keyButton('↓', '\x1b[B'), keyButton('⏎', '\r'), keyButton('Ctrl-C', '\x03')),
  );
  const el = h('section.term', { id: 'term' }, h('div.term-bar', {}, toggle, h('span.muted', { id: 'term-state' }, 'read-only')), h('div.term-wrap', {}, screen), inputRow);
  let controlled = false;
  let pos = null;
  let cols = 80;
  term.open(screen);

  const keys = (data) => {
    if (controlled) send({ type: 'keys', session_id: id, data });
  };
  term.onData((data) => keys(data));
  // A paste goes as text (tmux brackets it when the program asked for that), not as keystrokes.
  screen.addEventListener('paste', (e) => {
    e.preventDefault();
    e.stopPropagation();
    const text = e.clipboardData?.getData('text/plain');
    if (controlled && text) send({ type: 'paste', session_id: id, text });
  }, true);

  const fitFont = () => {
    const width = screen.parentElement?.clientWidth || window.innerWidth;
    // Monospace cells are about 0.6 em wide: as large as fits, but never unreadably small (then it scrolls).
    const size = Math.max(8, Math.min(15, Math.floor((width - 8) / (cols * 0.6))));
    if (term.options.fontSize !== size) term.options.fontSize = size;
  };
  const onResize = () => fitFont();
  window.addEventListener('resize', onResize);

  const watch = () => send({ type: 'watch', session_id: id, ...(pos ? { after: pos } : {}) });
  watch();
  return {
    id,
    el,
    rewatch: watch,
    frame(sessionId, f) {
      if (sessionId !== id) return;
      if (f.type === 'snapshot') {
        term.reset();
        if (term.cols !== f.cols || term.rows !== f.rows) term.resize(f.cols, f.rows);
        cols = f.cols;
        fitFont();
        term.write(f.data);
        pos = { epoch: f.epoch, seq: f.seq };
        el.dataset.ready = '1';
      } else if (f.type === 'output') {
        if (!pos || f.epoch !== pos.epoch || f.seq !== pos.seq + 1) {
          if (pos && f.epoch === pos.epoch && f.seq <= pos.seq) return;
          // A gap: start again from a fresh snapshot.
          pos = null;
          watch();
          return;
        }
        term.write(f.data);
        pos.seq = f.seq;
      } else if (f.type === 'ended') {
        $('#term-state').textContent = `stream ended: ${f.reason}`;
      }
    },
    controlled(sessionId, on) {
      if (sessionId !== id) return;
      controlled = on;
      term.options.disableStdin = !on;
      toggle.textContent = on ? 'Release control' : 'Take control';
      toggle.setAttribute('aria-pressed', String(on));
      el.dataset.control = on ? '1' : '';
      inputRow.hidden = !on;
      $('#term-state').textContent = on ? 'your keys go to the session' : 'read-only';
      if (on) term.focus();
    },
    dispose() {
      window.removeEventListener('resize', onResize);
      send({ type: 'unwatch', session_id: id });
      term.dispose();
    },
  };
}

// ---------------------------------------------------------------- start

window.addEventListener('hashchange', () => render());
if (await login()) {
  const r = await api('GET', '/web/api/sessions').catch(() => null);
  if (r) state.sessions = new Map(r.sessions.map((s) => [s.id, s]));
  render();
  connect();
  // Ages ("3m ago") stay true without a reload.
  setInterval(() => route().view === 'sessions' && scheduleRender(), 30_000);
}
