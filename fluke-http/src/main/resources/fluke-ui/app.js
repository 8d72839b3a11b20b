// Fluke web UI: a single page over the JSON API (/api/v1) and its live stream (/api/v1/stream).
// Plain JavaScript, no build step, no third-party code. Every value from the server is put in the page
// as text (textContent), never as HTML.
'use strict';

(() => {
  const TOKEN_KEY = 'fluke.apiToken';
  const STATUS_ORDER = ['error', 'failed', 'flapping', 'drifted', 'applying', 'pending', 'satisfied'];
  const TONES = {
    satisfied: 'ok', applied: 'ok', connected: 'ok', loaded: 'ok', sent: 'ok', idle: 'idle',
    drifted: 'warn', alert_only: 'warn', suspended: 'warn', blocked: 'warn', window: 'warn',
    resumed: 'ok', expired: 'idle',
    failed: 'bad', rejected: 'bad', invalid: 'bad', undeliverable: 'bad', flapping: 'bad',
    waiting: 'warn', halted: 'bad',
    error: 'err',
    applying: 'info', checking: 'info',
    pending: 'idle', disconnected: 'idle', skipped: 'idle',
    // plan results and verdicts (POST /api/v1/plan)
    would_apply: 'warn', no_change: 'ok', not_connected: 'idle', timed_out: 'err', changes: 'warn', errors: 'bad',
  };
  const SYMBOLS = { ok: '✓', warn: '▲', bad: '✕', err: '!', info: '↻', idle: '○' };
  // The outcomes GET /api/v1/events?outcome= accepts (dev.fluke.api.EventOutcomes; UiOutcomesTest).
  const OUTCOMES = ['satisfied', 'drifted', 'applied', 'failed', 'error', 'skipped', 'connected',
    'disconnected', 'evicted', 'rejected', 'protocol_violation', 'fenced', 'moved', 'loaded',
    'invalid', 'fetch_failed', 'restored', 'rewritten', 'rewrite_refused', 'rewrite_accepted', 'sent',
    'undeliverable', 'blocked', 'suspended', 'resumed', 'expired', 'flapping', 'waiting', 'halted'];
  const MAX_OUTPUT_LINES = 2000;

  const main = document.getElementById('main');
  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    view: null,          // the mounted view: { name, key, refresh(), onUpdate(u), onReady() }
    generation: 0,       // bumps on every navigation so late answers for an old page are dropped
    refreshTimer: null,
    refreshDue: 0,
    lastRefreshStart: 0,
    stream: null,        // { key, controller }
    streamKey: null,
    retryMs: 1000,
    tokenPrompt: null,
  };

  // ---------------------------------------------------------------- DOM helpers

  /** h('a', {href: '#/', class: 'x', onclick: fn, data: {k: v}}, child, 'text', [children]) */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    if (props) {
      for (const [k, v] of Object.entries(props)) {
        if (v === null || v === undefined || v === false) continue;
        if (k === 'class') el.className = v;
        else if (k === 'text') el.textContent = v;
        else if (k === 'data') for (const [dk, dv] of Object.entries(v)) el.dataset[dk] = dv;
        else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
        else if (v === true) el.setAttribute(k, '');
        else el.setAttribute(k, String(v));
      }
    }
    append(el, children);
    return el;
  }

  function append(el, children) {
    for (const c of children.flat(Infinity)) {
      if (c === null || c === undefined || c === false) continue;
      el.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return el;
  }

  function replace(el, ...children) {
    el.replaceChildren();
    return append(el, children);
  }

  function tone(word) {
    return TONES[word] || 'idle';
  }

  function pill(word, label) {
    const t = tone(word);
    return h('span', { class: `pill tone-${t}`, data: { status: word } },
      h('span', { class: 'sym', 'aria-hidden': 'true', text: SYMBOLS[t] }), label || word);
  }

  function connectionPill(connected) {
    return connected ? pill('connected', 'Connected') : pill('disconnected', 'Disconnected');
  }

  function cyclePill(cycle) {
    if (!cycle || cycle === 'idle') return null;
    return pill(cycle, cycle === 'applying' ? 'Applying…' : 'Checking…');
  }

  function worstStatus(counts) {
    if (!counts) return null;
    for (const s of STATUS_ORDER) if (counts[s] > 0) return s;
    return null;
  }

  function countPills(counts) {
    const parts = STATUS_ORDER.slice().reverse().filter(s => counts && counts[s] > 0)
      .map(s => pill(s, `${counts[s]} ${s}`));
    return parts.length ? h('span', { class: 'counts' }, parts) : h('span', { class: 'muted', text: 'no tasks' });
  }

  function labelChips(labels) {
    const entries = Object.entries(labels || {}).sort(([a], [b]) => a.localeCompare(b));
    if (!entries.length) return h('span', { class: 'muted', text: 'none' });
    return h('span', { class: 'chips' }, entries.map(([k, v]) => h('span', { class: 'chip', text: `${k}=${v}` })));
  }

  function link(href, text, cls) {
    return h('a', { href, class: cls, text });
  }

  const agentHref = name => `#/agents/${encodeURIComponent(name)}`;
  const taskHref = name => `#/tasks/${encodeURIComponent(name)}`;

  function shortSha(sha) {
    return sha ? sha.slice(0, 7) : '—';
  }

  /** A <time> that shows "3 min ago" and keeps it current; the exact time is in its tooltip. */
  function timeAgo(iso, fallback) {
    if (!iso) return h('span', { class: 'muted', text: fallback || 'never' });
    const el = h('time', { datetime: iso, title: new Date(iso).toLocaleString(), data: { rel: '1' } });
    el.textContent = relative(iso);
    return el;
  }

  function relative(iso) {
    const s = Math.round((Date.now() - new Date(iso).getTime()) / 1000);
    const future = s < 0;
    const a = Math.abs(s);
    let text;
    if (a < 5) return 'just now';
    if (a < 60) text = `${a} s`;
    else if (a < 3600) text = `${Math.round(a / 60)} min`;
    else if (a < 86400) text = `${Math.round(a / 3600)} h`;
    else text = `${Math.round(a / 86400)} d`;
    return future ? `in ${text}` : `${text} ago`;
  }

  function clockTime(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });
  }

  function duration(ms) {
    if (ms === null || ms === undefined || ms <= 0) return '—';
    if (ms < 1000) return `${ms} ms`;
    if (ms < 60000) return `${(ms / 1000).toFixed(1)} s`;
    return `${Math.floor(ms / 60000)} min ${Math.round((ms % 60000) / 1000)} s`;
  }

  /** A cell; its content sits in one wrapper so the phone layout can put the label beside all of it. */
  function td(label, ...children) {
    return h('td', { 'data-label': label }, h('div', { class: 'cell' }, children));
  }

  function table(headers, rows, cls) {
    return h('div', { class: 'table-wrap' },
      h('table', { class: `responsive ${cls || ''}` },
        h('thead', null, h('tr', null, headers.map(t => h('th', { scope: 'col', text: t })))),
        h('tbody', null, rows)));
  }

  function emptyState(title, ...body) {
    return h('div', { class: 'card empty', data: { empty: '1' } }, h('h2', { text: title }), body);
  }

  function section(title, note, ...body) {
    return h('section', { class: 'section' },
      h('div', { class: 'section-head' }, h('h2', { text: title }), note ? h('span', { class: 'note' }, note) : null),
      body);
  }

  function toast(message, bad) {
    const box = document.getElementById('toasts');
    const t = h('div', { class: `toast${bad ? ' bad' : ''}`, text: message });
    box.append(t);
    setTimeout(() => t.remove(), bad ? 9000 : 5000);
  }

  // ---------------------------------------------------------------- API and auth

  class ApiError extends Error {
    constructor(status, message) {
      super(message);
      this.status = status;
    }
  }

  function authHeaders(extra) {
    const headers = Object.assign({}, extra || {});
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    return headers;
  }

  /** Calls the API; on 401 asks for a token and tries again. */
  async function api(path, options) {
    const opts = Object.assign({ cache: 'no-store' }, options || {});
    opts.headers = authHeaders(Object.assign({ Accept: 'application/json' }, opts.headers || {}));
    const res = await fetch(path, opts);
    if (res.status === 401) {
      const body = await res.json().catch(() => ({}));
      await askToken(body.error);
      return api(path, options);
    }
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      throw new ApiError(res.status, body.error || `${res.status} ${res.statusText}`);
    }
    return res.json();
  }

  /** One prompt at a time, whatever the number of calls that got a 401. */
  function askToken(reason) {
    if (state.tokenPrompt) return state.tokenPrompt;
    const dialog = document.getElementById('token-dialog');
    const form = document.getElementById('token-form');
    const input = document.getElementById('token-input');
    const cancel = document.getElementById('token-cancel');
    document.getElementById('token-reason').textContent = state.token
      ? 'The server did not accept the token this tab was using. Enter another one.'
      : 'This server asks for an API token before it shows the fleet.';
    if (reason) document.getElementById('token-reason').title = reason;
    input.value = '';
    state.tokenPrompt = new Promise(resolve => {
      const onSubmit = ev => {
        ev.preventDefault();
        const token = input.value.trim();
        if (!token) return;
        state.token = token;
        sessionStorage.setItem(TOKEN_KEY, token);
        done();
        resolve();
        connectStream(true);
      };
      const onCancel = ev => {
        ev.preventDefault();
        done();
        showLocked();
      };
      const done = () => {
        form.removeEventListener('submit', onSubmit);
        cancel.removeEventListener('click', onCancel);
        dialog.removeEventListener('cancel', onCancel);
        dialog.close();
        state.tokenPrompt = null;
        updateTokenButton();
      };
      form.addEventListener('submit', onSubmit);
      cancel.addEventListener('click', onCancel);
      dialog.addEventListener('cancel', onCancel);
      dialog.showModal();
      input.focus();
    });
    return state.tokenPrompt;
  }

  function showLocked() {
    state.generation++;
    replace(main, emptyState('Sign in to see the fleet',
      h('p', { text: 'This server needs one of its API tokens (api_tokens in server.hcl) before it shows anything.' }),
      h('p', null, h('button', { type: 'button', class: 'button primary', onclick: () => { route(); } , text: 'Enter a token' }))));
  }

  function updateTokenButton() {
    document.getElementById('forget-token').hidden = !state.token;
  }

  // ---------------------------------------------------------------- live stream

  function setLive(s, text) {
    const el = document.getElementById('live');
    el.dataset.state = s;
    el.querySelector('.live-text').textContent = text;
  }

  /** The stream the current page wants: an agent page follows that agent (with its buffered output). */
  function wantedStreamKey() {
    return state.view && state.view.streamAgent ? `agent:${state.view.streamAgent}` : 'all';
  }

  function connectStream(force) {
    const key = wantedStreamKey();
    if (!force && state.stream && state.stream.key === key) return;
    if (state.stream) state.stream.controller.abort();
    const controller = new AbortController();
    state.stream = { key, controller };
    readStream(key, controller).catch(() => {});
  }

  async function readStream(key, controller) {
    const url = key === 'all' ? '/api/v1/stream' : `/api/v1/stream?agent=${encodeURIComponent(key.slice(6))}`;
    let res;
    try {
      res = await fetch(url, { headers: authHeaders({ Accept: 'text/event-stream' }), cache: 'no-store', signal: controller.signal });
    } catch (e) {
      return retryStream(controller);
    }
    if (res.status === 401) {
      setLive('offline', 'Not signed in');
      await askToken();
      return;
    }
    if (!res.ok || !res.body) {
      setLive('offline', res.status === 403 ? 'Local access only' : 'Offline');
      return retryStream(controller);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let buffer = '';
    let watchdog = null;
    // A heartbeat arrives at least every 15 s; silence for much longer means a dead connection.
    const armWatchdog = () => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => controller.abort(), 45000);
    };
    armWatchdog();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        armWatchdog();
        buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, '\n');
        let cut;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          dispatchBlock(block);
        }
      }
    } catch (e) {
      // aborted or network error: fall through to reconnect
    } finally {
      clearTimeout(watchdog);
    }
    return retryStream(controller);
  }

  function retryStream(controller) {
    if (state.stream && state.stream.controller === controller && !controller.signal.aborted) {
      setLive('reconnecting', 'Reconnecting…');
      const delay = state.retryMs;
      state.retryMs = Math.min(state.retryMs * 2, 15000);
      setTimeout(() => {
        if (state.stream && state.stream.controller === controller) connectStream(true);
      }, delay);
    } else if (state.stream && state.stream.controller === controller) {
      // Our own watchdog aborted it: reconnect at once.
      setLive('reconnecting', 'Reconnecting…');
      setTimeout(() => connectStream(true), 500);
    }
  }

  function dispatchBlock(block) {
    let type = 'message';
    const data = [];
    for (const line of block.split('\n')) {
      if (!line || line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') type = value;
      else if (field === 'data') data.push(value);
    }
    if (!data.length || (data.length === 1 && data[0] === '')) return; // heartbeat
    let payload;
    try {
      payload = JSON.parse(data.join('\n'));
    } catch (e) {
      return;
    }
    if (type === 'ready') {
      state.retryMs = 1000;
      setLive('live', 'Live');
      // The buffered apply output is sent again after every (re)connect: start the panel afresh.
      if (state.view && state.view.onStreamReady) state.view.onStreamReady();
      // Whatever changed while we were not subscribed is not replayed: fetch the page again.
      scheduleRefresh(0);
      return;
    }
    if (type === 'replayed') {
      // The buffered output lines (if any) have all come; what follows is live.
      if (state.view && state.view.onReplayed) state.view.onReplayed(payload);
      return;
    }
    if (type === 'lost') {
      // The server dropped updates for this page (it fell behind): what it shows may be stale.
      scheduleRefresh(0);
      if (state.view && state.view.onLost) state.view.onLost(payload);
      return;
    }
    onUpdate(payload);
  }

  function onUpdate(update) {
    const view = state.view;
    if (!view) return;
    if (view.onUpdate && view.onUpdate(update) === false) return;
    if (update.kind !== 'output') scheduleRefresh(150);
  }

  /**
   * Refetches the page soon: a burst of updates costs one refetch, and refetches start at most every
   * 0.8 s, so a busy fleet cannot make every open dashboard hammer the server, while a change still shows
   * within about a second.
   */
  function scheduleRefresh(delay) {
    const gap = (state.view && state.view.minGap) || 800;
    const due = Math.max(Date.now() + delay, state.lastRefreshStart + gap);
    if (state.refreshTimer && state.refreshDue <= due) return;
    clearTimeout(state.refreshTimer);
    state.refreshDue = due;
    state.refreshTimer = setTimeout(() => {
      state.refreshTimer = null;
      if (state.view) refreshView(state.view);
    }, due - Date.now());
  }

  // ---------------------------------------------------------------- rendering with focus kept

  /** One refetch in flight per page; updates that arrive meanwhile cause exactly one more. */
  async function refreshView(view) {
    if (view.running) {
      view.again = true;
      return;
    }
    view.running = true;
    state.lastRefreshStart = Date.now();
    const gen = state.generation;
    try {
      await view.refresh();
      if (gen === state.generation) clearStale();
    } catch (e) {
      if (gen === state.generation) handleLoadError(e, view);
    } finally {
      view.running = false;
      if (view.again && state.view === view) {
        view.again = false;
        refreshView(view);
      }
    }
  }

  /** What identifies a focusable control across re-renders: its key, else its kind, target and label. */
  function focusKey(el) {
    return el.dataset.key || [el.tagName, el.getAttribute('href') || '', el.textContent.trim()].join('|');
  }

  /**
   * Replaces a region's content, putting focus back on the same control when it was inside, so a live
   * refresh never throws a keyboard user back to the top of the page.
   */
  function swap(region, content) {
    const active = document.activeElement;
    const key = active && active !== document.body && region.contains(active) ? focusKey(active) : null;
    const openDetails = new Set([...region.querySelectorAll('details[open][data-key]')].map(d => d.dataset.key));
    replace(region, content);
    for (const d of region.querySelectorAll('details[data-key]')) if (openDetails.has(d.dataset.key)) d.open = true;
    if (key) {
      const again = [...region.querySelectorAll('a, button, summary, input, select, [tabindex]')].find(el => focusKey(el) === key);
      if (again) again.focus({ preventScroll: true });
    }
  }

  function handleLoadError(e, view) {
    if (e instanceof ApiError && e.status === 403) {
      replace(main, h('div', { class: 'callout bad' },
        h('h2', { text: 'This server answers only on its own host' }),
        h('p', { text: e.message })));
      return;
    }
    if (e instanceof ApiError && e.status === 404 && view.notFound) {
      replace(main, view.notFound(e.message));
      return;
    }
    const message = e instanceof ApiError ? e.message : 'the server could not be reached';
    if (!view.loaded) {
      replace(main, h('div', { class: 'callout bad' },
        h('h2', { text: 'Could not load this page' }),
        h('p', { text: `${message}. It loads again by itself when the server answers.` })));
    } else {
      showStale(message);
    }
  }

  function showStale(message) {
    let box = document.getElementById('stale');
    if (!box) {
      box = h('div', { id: 'stale', class: 'callout warn stale', role: 'status' });
      main.prepend(box);
    }
    box.textContent = `Showing older data: ${message}. Retrying…`;
  }

  function clearStale() {
    const box = document.getElementById('stale');
    if (box) box.remove();
  }

  // ---------------------------------------------------------------- actions

  async function reconcile(target, name, button) {
    const label = button.textContent;
    button.disabled = true;
    button.textContent = 'Reconciling…';
    try {
      const res = await api('/api/v1/reconcile', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(name ? { target, name } : { target }),
      });
      const n = res.agents ? res.agents.length : 0;
      toast(n ? `Manual reconcile started on ${res.agents.join(', ')}.` : (res.message || 'Reconcile requested.'));
      scheduleRefresh(0);
    } catch (e) {
      toast(`Reconcile refused: ${e.message}`, true);
    } finally {
      button.disabled = false;
      button.textContent = label;
    }
  }

  async function resumeRollout(task, button) {
    button.disabled = true;
    try {
      await api(`/api/v1/rollouts/${encodeURIComponent(task)}/resume`, { method: 'POST' });
      toast(`Rollout of ${task} resumed: the next stage starts now.`);
      scheduleRefresh(0);
    } catch (e) {
      toast(`Resume refused: ${e.message}`, true);
      button.disabled = false;
    }
  }

  // The staged rollout of a task (issue 10): state, stage, counts; "Resume" when halted.
  function rolloutCard(r) {
    const tone = { halted: 'bad', done: 'ok', running: 'info', paused: 'idle' }[r.state] || 'idle';
    return h('div', { class: `callout ${r.state === 'halted' ? 'bad' : 'info'} rollout`, data: { rollout: r.state } },
      h('h2', null, 'Rollout of commit ', h('code', { text: shortSha(r.commit) }), ' ',
        h('span', { class: `pill tone-${tone}`, data: { rolloutState: r.state }, text: r.state })),
      h('p', { text: `Stage ${r.stage} (${r.stages_started}/${r.stages} started) · ${r.done}/${r.agents} done · `
        + `${r.failed} failed · ${r.in_progress} applying · ${r.waiting} waiting · `
        + `canary ${r.canary}, batch ${r.batch}, max_failures ${r.max_failures}, pause ${r.pause}` }),
      r.halted_reason ? h('p', null, h('strong', { text: 'Halted: ' }), r.halted_reason,
        '. The waiting agents keep the old state until the rollout is resumed.') : null,
      r.next_stage_at ? h('p', null, 'Next stage ', timeAgo(r.next_stage_at)) : null,
      r.state === 'halted' ? h('button', {
        type: 'button', class: 'button primary', data: { key: 'resume-rollout' },
        onclick: ev => resumeRollout(r.task, ev.currentTarget), text: 'Resume rollout',
      }) : null);
  }

  function reconcileButton(target, name, text) {
    return h('button', {
      type: 'button', class: 'button primary', data: { key: `reconcile-${target}` },
      onclick: ev => reconcile(target, name, ev.currentTarget), text,
    });
  }

  // ---------------------------------------------------------------- suspensions (issue 10)

  // The suspensions in force; none when the server does not know them (older) or cannot say.
  async function suspensions() {
    try {
      return await api('/api/v1/suspensions');
    } catch (e) {
      return [];
    }
  }

  // What holds back an agent (the fleet's suspension first) or a task; null when nothing.
  function suspensionOf(list, scope, name) {
    return list.find(s => s.scope === 'all') || list.find(s => s.scope === scope && s.name === name) || null;
  }

  function suspendedPill(s) {
    return s ? h('span', { class: 'pill tone-warn', data: { suspended: s.scope }, title: suspensionText(s) },
      h('span', { class: 'sym', 'aria-hidden': 'true', text: '‖' }), 'suspended') : null;
  }

  function suspensionText(s) {
    const scope = s.scope === 'all' ? 'The whole fleet' : `${s.scope === 'agent' ? 'Agent' : 'Task'} ${s.name}`;
    return `${scope} is suspended by ${s.by}${s.until ? ` until ${clockTime(s.until)} (${relative(s.until)})` : ''}: ${s.reason}`;
  }

  // A callout saying what is suspended, with its Resume button: nothing there is applied, checks go on.
  function suspensionCallout(s) {
    if (!s) return null;
    return h('div', { class: 'callout warn', data: { suspension: s.scope } },
      h('h2', { text: suspensionText(s) }),
      h('p', { class: 'small', text: 'Checks go on and drift stays visible; nothing is applied here until it is resumed'
        + (s.until ? ' or the suspension expires' : '') + '. A manual reconcile applies only with --force.' }),
      h('button', { type: 'button', class: 'button', data: { key: `resume-${s.scope}` },
        onclick: ev => resume(s, ev.currentTarget), text: 'Resume' }));
  }

  async function resume(s, button) {
    button.disabled = true;
    try {
      const path = s.scope === 'all' ? '/api/v1/suspensions/all'
        : `/api/v1/suspensions/${s.scope}/${encodeURIComponent(s.name)}`;
      const res = await api(path, { method: 'DELETE' });
      toast(res.message || 'Resumed.');
      scheduleRefresh(0);
    } catch (e) {
      toast(`Resume refused: ${e.message}`, true);
    } finally {
      button.disabled = false;
    }
  }

  function suspendButton(target, name, text) {
    return h('button', {
      type: 'button', class: 'button', data: { key: `suspend-${target}` },
      onclick: async ev => {
        const reason = prompt(`Suspend ${target === 'all' ? 'the whole fleet' : `${target} ${name}`}: nothing is applied until it is resumed. Why?`);
        if (!reason || !reason.trim()) return;
        const button = ev.currentTarget;
        button.disabled = true;
        try {
          const res = await api('/api/v1/suspensions', {
            method: 'POST', headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(name ? { target, name, reason } : { target, reason }),
          });
          toast(res.message || 'Suspended.');
          scheduleRefresh(0);
        } catch (e) {
          toast(`Suspend refused: ${e.message}`, true);
        } finally {
          button.disabled = false;
        }
      }, text,
    });
  }

  // ---------------------------------------------------------------- views

  function pageHead(opts) {
    return h('div', { class: 'page-head' },
      h('div', { class: 'title' },
        opts.crumbs ? h('nav', { class: 'crumbs', 'aria-label': 'Breadcrumb' }, opts.crumbs) : null,
        h('div', { class: 'title-row' }, h('h1', { text: opts.title }), opts.pills || null),
        opts.subtitle ? h('p', { class: 'subtitle' }, opts.subtitle) : null),
      opts.actions ? h('div', { class: 'actions' }, opts.actions) : null);
  }

  function manifestCallouts(m) {
    const out = [];
    if (m.errors && m.errors.length) {
      out.push(h('div', { class: 'callout bad', data: { manifestErrors: '1' } },
        h('h2', { text: `Manifest errors: commit ${shortSha(m.candidate_commit)} was rejected` }),
        h('p', null, m.commit
          ? ['The server keeps running on the last good commit, ', h('code', { text: shortSha(m.commit) }), '. Fix these and push:']
          : 'No commit has loaded yet. Fix these and push:'),
        h('ul', null, m.errors.map(e => h('li', null,
          h('span', { class: 'where', text: `${e.pos.file}:${e.pos.line}:${e.pos.column}` }), ' — ', e.message)))));
    }
    if (m.fetch_error) {
      out.push(h('div', { class: 'callout warn' },
        h('h2', { text: 'Git fetch is failing' }),
        h('p', null, h('code', { text: m.fetch_error })),
        h('p', { class: 'small', text: `Last attempt ${m.last_fetch_at ? relative(m.last_fetch_at) : 'unknown'}; the desired state in force does not change until a fetch succeeds.` })));
    }
    return out;
  }

  function manifestStrip(m) {
    const kv = (k, ...v) => h('div', { class: 'kv' }, h('span', { class: 'k', text: k }), h('span', { class: 'v' }, v));
    if (!m.commit) {
      return h('div', { class: 'card manifest' },
        kv('Manifests', h('span', { class: 'muted', text: `waiting for the first good load from ${m.repository || 'Git'}` })));
    }
    return h('div', { class: 'card manifest', data: { commit: m.commit } },
      kv('Commit in force', h('code', { title: m.commit, text: shortSha(m.commit) })),
      kv('Branch', m.branch || '—'),
      kv('Tasks', String(m.tasks)),
      kv('Loaded', timeAgo(m.loaded_at)),
      kv('Repository', h('span', { class: 'mono small', text: m.repository || '—' })));
  }

  function fleetTiles(agents) {
    const sum = { satisfied: 0, drifted: 0, failed: 0, error: 0, pending: 0, applying: 0, flapping: 0 };
    for (const a of agents) for (const k of Object.keys(sum)) sum[k] += (a.counts && a.counts[k]) || 0;
    const connected = agents.filter(a => a.connected).length;
    const tile = (t, value, label, href, key, symbol) => {
      const attrs = { class: `tile tone-${t}${value > 0 ? ' nonzero' : ''}`, data: { tile: key } };
      const body = [h('span', { class: 'tile-value', text: String(value) }),
        h('span', { class: 'tile-label' }, h('span', { 'aria-hidden': 'true', text: symbol || SYMBOLS[t] }), label)];
      return href ? h('a', Object.assign({ href }, attrs), body) : h('div', attrs, body);
    };
    const tiles = [
      tile('info', `${connected}/${agents.length}`, 'agents connected', null, 'agents', '●'),
      tile('ok', sum.satisfied, 'satisfied', null, 'satisfied'),
      tile('warn', sum.drifted, 'drifted', '#/drift', 'drifted'),
      tile('bad', sum.failed, 'failed', '#/drift', 'failed'),
      tile('err', sum.error, 'error', '#/drift', 'error'),
    ];
    if (sum.flapping) tiles.push(tile('bad', sum.flapping, 'flapping', '#/drift', 'flapping'));
    if (sum.applying) tiles.push(tile('info', sum.applying, 'applying', null, 'applying'));
    if (sum.pending) tiles.push(tile('idle', sum.pending, 'pending', null, 'pending'));
    return h('div', { class: 'tiles', role: 'list', 'aria-label': 'Fleet status' }, tiles.map(t => { t.setAttribute('role', 'listitem'); return t; }));
  }

  const noAgents = () => emptyState('No agents yet',
    h('p', { text: 'Start an agent on every host Fluke should manage. It dials this server and shows up here as soon as it connects:' }),
    h('pre', { class: 'code', text: 'fluke agent --config agent.hcl' }),
    h('p', null, 'In ', h('code', { text: 'agent.hcl' }), ' set ', h('code', { text: 'server_url' }),
      ' to this server\'s gRPC address, one of its ', h('code', { text: 'agent_tokens' }),
      ' and the host\'s labels (see ', h('code', { text: 'conf/examples/agent.hcl' }), ').'));

  function agentsTable(agents, held) {
    const rows = agents.map(a => h('tr', { data: { agent: a.name } },
      h('td', { class: 'name', 'data-label': 'Agent' }, link(agentHref(a.name), a.name),
        a.version ? h('div', { class: 'sub', text: `v${a.version}` }) : null),
      td('Connection', connectionPill(a.connected), cyclePill(a.cycle) ? ' ' : null, cyclePill(a.cycle),
        held && suspensionOf(held, 'agent', a.name) ? ' ' : null, held ? suspendedPill(suspensionOf(held, 'agent', a.name)) : null),
      td('Health', worstStatus(a.counts) ? pill(worstStatus(a.counts)) : h('span', { class: 'muted', text: '—' })),
      td('Tasks', countPills(a.counts)),
      td('Labels', labelChips(a.labels)),
      td('Last seen', timeAgo(a.last_seen))));
    return table(['Agent', 'Connection', 'Health', 'Tasks', 'Labels', 'Last seen'], rows, 'agents');
  }

  const views = {};

  /** Rows a long table draws until asked for all: a table of 10,000 rows helps nobody and stalls the page. */
  const TABLE_ROWS = 200;

  /**
   * The first {@link TABLE_ROWS} of `items` (all with `showAll`), and when some are left out a note saying
   * so with a button that calls `onShowAll`.
   */
  function capped(items, showAll, noun, key, onShowAll) {
    const shown = showAll ? items : items.slice(0, TABLE_ROWS);
    const more = items.length > shown.length
      ? h('p', { class: 'muted table-more', data: { more: String(items.length - shown.length) } },
        `Showing ${shown.length} of ${items.length} ${noun}. `,
        h('button', { type: 'button', class: 'button small', data: { key }, onclick: onShowAll, text: `Show all ${items.length}` }))
      : null;
    return { shown, more };
  }
  /** How long the fleet filter waits after the last keystroke before it asks the server. */
  const FILTER_DELAY_MS = 150;

  views.fleet = () => {
    const region = h('div');
    let last = null;
    let showAll = false;
    // The agents matching the filter, as the server answered for the filter text `matchedFor` (the one
    // implementation of the filter is the server's: GET /api/v1/agents?filter=, as `fluke get agents`).
    let matching = null;
    let matchedFor = '';
    let filterTimer = null;
    let filterSeq = 0;
    // One element for the page's life, so typing is never interrupted by a live refresh.
    const filter = h('input', { type: 'search', id: 'fleet-filter', class: 'filter', data: { key: 'fleet-filter' },
      placeholder: 'Filter: name, role=web, drifted, disconnected…', 'aria-label': 'Filter agents', autocomplete: 'off' });
    const filterText = () => filter.value.trim();
    const fetchMatching = text => (text ? api(`/api/v1/agents?filter=${encodeURIComponent(text)}`) : Promise.resolve(null));

    async function applyFilter() {
      const text = filterText();
      const seq = ++filterSeq;
      try {
        const m = await fetchMatching(text);
        if (seq !== filterSeq) return; // a newer filter (or refresh) is on its way
        matching = m;
        matchedFor = text;
        render();
      } catch (e) {
        if (seq === filterSeq) toast(`Filter failed: ${e.message}`, true);
      }
    }

    const view = {
      name: 'fleet', title: 'Fleet',
      mount() {
        replace(main,
          pageHead({ title: 'Fleet', subtitle: 'Every agent, what it runs, and whether its host matches Git.',
            actions: [h('button', { type: 'button', class: 'button', data: { key: 'reconcile-all' },
              onclick: ev => {
                if (confirm('Reconcile every connected agent now? A manual reconcile applies drifted tasks whatever their drift policy.')) {
                  reconcile('all', null, ev.currentTarget);
                }
              }, text: 'Reconcile all' }), suspendButton('all', null, 'Suspend all')] }),
          region);
        filter.addEventListener('input', () => {
          showAll = false;
          clearTimeout(filterTimer);
          filterTimer = setTimeout(applyFilter, FILTER_DELAY_MS);
        });
      },
      async refresh() {
        const text = filterText();
        const seq = ++filterSeq;
        // The whole fleet for the tiles and the count; the matching agents for the list.
        const [agents, manifest, m, held] = await Promise.all([api('/api/v1/agents'), api('/api/v1/manifest'), fetchMatching(text), suspensions()]);
        this.loaded = true;
        // A big fleet changes all the time: refetch it less often (0.8 s for a few agents, 5 s for 10,000).
        this.minGap = Math.min(5000, 800 + Math.floor(agents.length / 2));
        last = { agents, manifest, held };
        if (seq === filterSeq) {
          matching = m;
          matchedFor = text;
        }
        render();
      },
    };

    function render() {
      if (!last) return;
      // Building the new list moves the filter out of the page, which would drop its focus: note it first.
      const typing = document.activeElement === filter;
      const caret = [filter.selectionStart, filter.selectionEnd];
      const { agents, manifest, held } = last;
      const filtered = matchedFor !== '' && matching !== null;
      const shownAgents = filtered ? matching : agents;
      const { shown, more } = capped(shownAgents, showAll, filtered ? 'agents matching the filter' : 'agents',
        'fleet-show-all', () => { showAll = true; render(); });
      let list;
      if (!agents.length) list = noAgents();
      else if (!shownAgents.length) list = [filter, h('p', { class: 'muted', data: { empty: 'filter' }, text: 'No agent matches the filter.' })];
      else list = [filter, agentsTable(shown, held), more];
      const subtitle = !agents.length ? null
        : filtered ? `${shownAgents.length} of ${agents.length} match` : `${agents.length} known`;
      const others = held.filter(s => s.scope !== 'all');
      swap(region, [
        manifestCallouts(manifest),
        suspensionCallout(held.find(s => s.scope === 'all')),
        others.length ? h('div', { class: 'callout info', data: { suspensions: String(others.length) } },
          h('h2', { text: `${others.length} suspension${others.length === 1 ? '' : 's'} in force` }),
          h('ul', null, others.map(s => h('li', null,
            link(s.scope === 'agent' ? agentHref(s.name) : `#/tasks/${encodeURIComponent(s.name)}`, `${s.scope} ${s.name}`),
            ` — by ${s.by}${s.until ? `, until ${clockTime(s.until)}` : ''}: ${s.reason}`)))) : null,
        fleetTiles(agents),
        h('div', { class: 'section' }, manifestStrip(manifest)),
        section('Agents', subtitle, list),
      ]);
      if (typing) {
        filter.focus({ preventScroll: true });
        filter.setSelectionRange(caret[0], caret[1]);
      }
    }
    return view;
  };

  function executorTable(task) {
    const rows = (task.executors || []).map(e => h('tr', null,
      h('td', { class: 'name', 'data-label': 'Executor' }, h('span', { class: 'mono', text: `${e.type} "${e.name}"` })),
      td('Status', pill(e.status)),
      td('Phase', e.phase || '—'),
      td('Exit', e.exit_code >= 0 ? String(e.exit_code) : '—'),
      td('Result', e.message ? h('span', { text: e.message }) : h('span', { class: 'muted', text: '—' }),
        e.output ? h('details', { data: { key: `out-${task.task}-${e.type}-${e.name}` } },
          h('summary', { text: 'Output tail' }), h('pre', { class: 'output', text: e.output })) : null),
      td('Updated', timeAgo(e.updated_at))));
    return rows.length ? table(['Executor', 'Status', 'Phase', 'Exit', 'Result', 'Updated'], rows, 'executors')
      : h('p', { class: 'muted', text: 'No executor has reported yet.' });
  }

  function taskCard(t) {
    return h('article', { class: 'card task-card', data: { task: t.task } },
      h('div', { class: 'card-body' },
        h('div', { class: 'task-head' },
          h('h3', null, link(taskHref(t.task), t.task)), pill(t.status),
          h('span', { class: 'chip', title: 'drift policy', text: t.policy }),
          t.alerted ? pill('alert_only', 'alert sent') : null),
        t.message ? h('p', { class: 'message', text: t.message }) : null,
        h('div', { class: 'task-times' },
          h('span', null, 'Checked ', timeAgo(t.last_checked_at)),
          h('span', null, 'Applied ', timeAgo(t.last_applied_at))),
        executorTable(t)));
  }

  function eventsTable(events, opts) {
    const showAgent = !opts || opts.agent !== false;
    const rows = events.map(e => h('tr', { data: { outcome: e.outcome, kind: e.kind } },
      td('Time', h('time', { datetime: e.time, title: e.time, class: 'nowrap', text: clockTime(e.time) })),
      showAgent ? td('Agent', e.agent ? link(agentHref(e.agent), e.agent) : h('span', { class: 'muted', text: 'server' })) : null,
      td('Task', e.task ? link(taskHref(e.task), e.task) : h('span', { class: 'muted', text: '—' }),
        e.executor ? h('div', { class: 'sub mono', text: e.executor }) : null),
      td('Kind', e.kind),
      td('Outcome', pill(e.outcome)),
      td('Took', h('span', { class: 'nowrap', text: duration(e.duration_millis) })),
      // The exit code on its own line, unless the message already says it (agents report "exit 0").
      td('Message', e.message || '', e.exit_code >= 0 && !(e.message || '').includes(`exit ${e.exit_code}`)
        ? h('div', { class: 'sub', text: `exit ${e.exit_code}` }) : null,
        e.output ? h('details', { data: { key: `ev-${e.time}-${e.task}-${e.executor}` } },
          h('summary', { text: 'Output' }), h('pre', { class: 'output', text: e.output })) : null)));
    const headers = ['Time'].concat(showAgent ? ['Agent'] : [], ['Task', 'Kind', 'Outcome', 'Took', 'Message']);
    return table(headers, rows, 'events');
  }

  views.agent = params => {
    const name = params[0];
    const head = h('div');
    const tasksRegion = h('div');
    const eventsRegion = h('div');
    const outputStatus = h('span', { class: 'muted small', text: 'Waiting for the next apply…' });
    const output = h('pre', { class: 'output', id: 'live-output', tabindex: '0', 'aria-label': `Apply output of ${name}` });
    let lines = 0;
    let lastSource = '';
    // True from the stream's 'ready' until its 'replayed': the lines meanwhile are the buffered history.
    let replaying = true;
    const reset = () => {
      lines = 0;
      lastSource = '';
      outputStatus.textContent = 'Waiting for the next apply…';
      placeholder();
    };
    const placeholder = () => replace(output, h('span', { class: 'empty-line', text: 'No apply output yet. Lines of a running apply appear here as the agent prints them.' }));

    function addLine(u) {
      if (lines === 0) output.replaceChildren();
      const atBottom = output.scrollTop + output.clientHeight >= output.scrollHeight - 8;
      const source = `${u.task} · ${u.executor}`;
      // Lines replayed for a late viewer come before the server's 'replayed' marker: say they are history.
      const replayed = replaying;
      if (source !== lastSource || !replayed) {
        outputStatus.textContent = replayed ? `Output of the last apply: ${source}` : `Streaming ${source}`;
        lastSource = source;
      }
      output.append(h('span', { class: 'line-src', text: `[${u.task}] ` }), `${u.line}\n`);
      lines++;
      if (lines > MAX_OUTPUT_LINES) {
        output.removeChild(output.firstChild);
        output.removeChild(output.firstChild);
      }
      if (atBottom) output.scrollTop = output.scrollHeight;
    }

    return {
      name: 'agent', title: name, streamAgent: name,
      mount() {
        placeholder();
        replace(main, head,
          h('section', { class: 'section' },
            h('article', { class: 'card live-output' },
              h('div', { class: 'card-body' },
                h('header', null, h('h2', { text: 'Live apply output' }), outputStatus,
                  h('button', { type: 'button', class: 'button small', text: 'Clear', onclick: reset })),
                output))),
          tasksRegion, eventsRegion);
      },
      onStreamReady() {
        reset();
        replaying = true;
      },
      onReplayed() {
        replaying = false;
      },
      onLost(marker) {
        if (lines === 0) output.replaceChildren();
        output.append(h('span', { class: 'line-lost',
          text: `… ${marker.count} live update(s) were not delivered (this page fell behind); lines may be missing here\n` }));
        lines++;
      },
      notFound: message => emptyState(`No agent named ${name}`,
        h('p', { text: message }), h('p', null, link('#/', 'Back to the fleet'))),
      async refresh() {
        const [d, held] = await Promise.all([api(`/api/v1/agents/${encodeURIComponent(name)}`), suspensions()]);
        this.loaded = true;
        const a = d.agent;
        const suspended = suspensionOf(held, 'agent', a.name);
        const worst = worstStatus(a.counts);
        document.title = `${a.name} · Fluke`;
        swap(head, [
          pageHead({
            crumbs: [link('#/', 'Fleet'), ' / ', a.name],
            title: a.name,
            // While a task applies, its "applying" status already says what the cycle pill would.
            pills: [connectionPill(a.connected), worst ? pill(worst) : null, worst === a.cycle ? null : cyclePill(a.cycle),
              suspendedPill(suspended)],
            actions: [reconcileButton('agent', a.name, 'Reconcile now'), suspended ? null : suspendButton('agent', a.name, 'Suspend')],
          }),
          suspensionCallout(suspended),
          h('div', { class: 'card' }, h('div', { class: 'card-body' },
            h('dl', { class: 'meta' },
              h('div', null, h('dt', { text: 'Labels' }), h('dd', null, labelChips(a.labels))),
              h('div', null, h('dt', { text: 'Tasks' }), h('dd', null, countPills(a.counts))),
              h('div', null, h('dt', { text: a.connected ? 'Connected since' : 'Last connected' }), h('dd', null, timeAgo(a.connected_at))),
              h('div', null, h('dt', { text: 'Last seen' }), h('dd', null, timeAgo(a.last_seen))),
              h('div', null, h('dt', { text: 'Last cycle ended' }), h('dd', null, timeAgo(a.last_cycle_ended_at))),
              h('div', null, h('dt', { text: 'Version' }), h('dd', { text: a.version || '—' }))))),
        ]);
        swap(tasksRegion, section('Tasks', d.tasks.length ? `${d.tasks.length} matched, in declaration order` : null,
          d.tasks.length ? h('div', { class: 'task-list' }, d.tasks.map(taskCard))
            : emptyState('No task matches this agent',
              h('p', null, 'Tasks choose hosts with ', h('code', { text: 'selector { match_labels = { … } }' }),
                '; none matches this agent\'s labels. Add one to a manifest, or give the agent the labels a task asks for.'))));
        // The event store may be down: the state above is still live, only the history is missing.
        swap(eventsRegion, section('Recent events', null,
          d.history_unavailable ? h('p', { class: 'muted', data: { history: 'unavailable' }, text: `Not shown: ${d.history_unavailable}. The status above is live.` })
            : d.recent_events.length ? eventsTable(d.recent_events, { agent: false })
              : h('p', { class: 'muted', text: 'No events for this agent yet.' })));
      },
      onUpdate(u) {
        if (u.agent !== name) return false;
        if (u.kind === 'output') {
          addLine(u);
          return false;
        }
        if (u.kind === 'event' && u.event && u.event.kind === 'apply') {
          outputStatus.textContent = `Apply of ${u.task} ended: ${u.event.outcome}`;
        }
        return true;
      },
    };
  };

  function hclValue(v) {
    if (typeof v === 'string') return JSON.stringify(v);
    if (Array.isArray(v)) return `[${v.map(hclValue).join(', ')}]`;
    if (v && typeof v === 'object') {
      const entries = Object.entries(v);
      return entries.length ? `{ ${entries.map(([k, x]) => `${k} = ${hclValue(x)}`).join(', ')} }` : '{}';
    }
    return String(v);
  }

  function executorBlock(e) {
    const entries = Object.entries(e.attributes || {});
    if (e.on_failure && e.on_failure !== 'abort' && !('on_failure' in (e.attributes || {}))) entries.push(['on_failure', e.on_failure]);
    const width = Math.max(0, ...entries.map(([k]) => k.length));
    const body = entries.map(([k, v]) => `  ${k.padEnd(width)} = ${hclValue(v)}`).join('\n');
    return `${e.type} "${e.name}" {\n${body}${body ? '\n' : ''}}`;
  }

  views.task = params => {
    const name = params[0];
    const region = h('div');
    let showAll = false;
    return {
      name: 'task', title: name,
      mount() { replace(main, region); },
      notFound: message => emptyState(`No task named ${name}`,
        h('p', { text: message }), h('p', null, link('#/tasks', 'All tasks'))),
      async refresh() {
        // "Needed by" is read from every task's depends_on (issue 10: the dependency graph).
        const [d, held, all] = await Promise.all([api(`/api/v1/tasks/${encodeURIComponent(name)}`), suspensions(),
          api('/api/v1/tasks').catch(() => [])]);
        this.loaded = true;
        const t = d.task;
        const suspended = suspensionOf(held, 'task', t.name);
        const w = d.window;
        const dependsOn = t.depends_on || [];
        const neededBy = all.filter(o => (o.depends_on || []).includes(t.name)).map(o => o.name);
        const taskLinks = names => names.length
          ? h('span', { class: 'chips' }, names.map(n => h('span', { class: 'chip' }, link(taskHref(n), n))))
          : h('span', { class: 'muted', text: '—' });
        document.title = `${t.name} · Fluke`;
        const { shown, more } = capped(d.agents, showAll, 'matched agents', 'task-show-all',
          () => { showAll = true; scheduleRefresh(0); });
        const rows = shown.map(a => h('tr', { data: { agent: a.agent } },
          h('td', { class: 'name', 'data-label': 'Agent' }, link(agentHref(a.agent), a.agent)),
          td('Connection', connectionPill(a.connected)),
          td('Status', pill(a.status.status)),
          td('Checked', timeAgo(a.status.last_checked_at)),
          td('Applied', timeAgo(a.status.last_applied_at)),
          td('Message', a.status.message || h('span', { class: 'muted', text: '—' }))));
        swap(region, [
          pageHead({
            crumbs: [link('#/tasks', 'Tasks'), ' / ', t.name],
            title: t.name,
            pills: [worstStatus(t.counts) ? pill(worstStatus(t.counts)) : null, suspendedPill(suspended),
              w && !w.open ? h('span', { class: 'pill tone-warn', data: { window: 'closed' } },
                h('span', { class: 'sym', 'aria-hidden': 'true', text: '◷' }), 'outside window') : null],
            subtitle: t.description || null,
            actions: [reconcileButton('task', t.name, 'Reconcile task'), suspended ? null : suspendButton('task', t.name, 'Suspend')],
          }),
          suspensionCallout(suspended),
          h('div', { class: 'card' }, h('div', { class: 'card-body' },
            h('dl', { class: 'meta' },
              h('div', null, h('dt', { text: 'Defined in' }), h('dd', { class: 'mono small', text: t.file || '—' })),
              h('div', null, h('dt', { text: 'Drift policy' }), h('dd', null, h('span', { class: 'chip', text: t.policy }))),
              h('div', null, h('dt', { text: 'Selector' }), h('dd', null, labelChips(t.selector))),
              h('div', { data: { graph: 'depends-on' } }, h('dt', { text: 'Depends on' }), h('dd', null, taskLinks(dependsOn))),
              h('div', { data: { graph: 'needed-by' } }, h('dt', { text: 'Needed by' }), h('dd', null, taskLinks(neededBy))),
              h('div', null, h('dt', { text: 'Agents' }), h('dd', null, countPills(t.counts))),
              w ? h('div', { data: { window: w.open ? 'open' : 'closed' } }, h('dt', { text: 'Maintenance window' }),
                h('dd', null,
                  h('div', { class: 'mono small', text: [w.allow.length ? `allow ${w.allow.join(', ')}` : '', w.deny.length ? `deny ${w.deny.join(', ')}` : '']
                    .filter(Boolean).join('; ') + ` (${w.timezone})` }),
                  h('div', { data: { nextWindow: '1' }, text: `${w.open ? 'Open' : 'Closed'}: ${w.next.replace(/^(open|closed);? ?/, '')}` }))) : null))),
          t.rollout ? rolloutCard(t.rollout) : null,
          section('Definition', `${d.executors.length} executor${d.executors.length === 1 ? '' : 's'}, run in this order`,
            h('pre', { class: 'code', data: { definition: '1' }, text: d.executors.map(executorBlock).join('\n\n') || '(no executors)' })),
          section('Agents', d.agents.length ? `${d.agents.length} matched` : null,
            d.agents.length ? [table(['Agent', 'Connection', 'Status', 'Checked', 'Applied', 'Message'], rows), more]
              : emptyState('No agent matches this task',
                h('p', null, 'No connected or recently seen agent has every label of the selector ', labelChips(t.selector), '.'))),
        ]);
      },
    };
  };

  views.tasks = () => {
    const region = h('div');
    return {
      name: 'tasks', title: 'Tasks',
      mount() { replace(main, pageHead({ title: 'Tasks', subtitle: 'The desired state in force, in declaration order.' }), region); },
      async refresh() {
        const tasks = await api('/api/v1/tasks');
        this.loaded = true;
        if (!tasks.length) {
          swap(region, emptyState('No tasks in force',
            h('p', null, 'Add a ', h('code', { text: '*.fluke.hcl' }), ' file with a ', h('code', { text: 'task "name" { … }' }),
              ' block to the manifest repository and push it. Check it first with:'),
            h('pre', { class: 'code', text: 'fluke validate ./manifests' })));
          return;
        }
        const rows = tasks.map(t => h('tr', { data: { task: t.name } },
          h('td', { class: 'name', 'data-label': 'Task' }, link(taskHref(t.name), t.name),
            t.description ? h('div', { class: 'sub', text: t.description }) : null),
          td('Policy', h('span', { class: 'chip', text: t.policy })),
          td('Selector', labelChips(t.selector)),
          td('Executors', h('span', { class: 'chips' }, t.executors.map(x => h('span', { class: 'chip', text: x })))),
          td('Agents', String(t.matched_agents)),
          td('Status', countPills(t.counts),
            t.rollout && t.rollout.state !== 'done'
              ? h('span', { class: `chip rollout-${t.rollout.state}`, text: `rollout ${t.rollout.state}` }) : null)));
        swap(region, table(['Task', 'Policy', 'Selector', 'Executors', 'Agents', 'Status'], rows, 'tasks'));
      },
    };
  };

  views.drift = () => {
    const region = h('div');
    let showAll = false;
    return {
      name: 'drift', title: 'Drift',
      mount() { replace(main, pageHead({ title: 'Drift', subtitle: 'Every agent and task that is not satisfied: drifted, failed or in error.' }), region); },
      async refresh() {
        const drift = await api('/api/v1/drift');
        this.loaded = true;
        if (!drift.length) {
          swap(region, emptyState('No drift',
            h('p', { text: 'Every checked task is satisfied on every agent. Drift shows up here as soon as a check finds it.' })));
          return;
        }
        const order = s => STATUS_ORDER.indexOf(s);
        drift.sort((a, b) => order(a.status) - order(b.status) || a.agent.localeCompare(b.agent) || a.task.localeCompare(b.task));
        const { shown, more } = capped(drift, showAll, 'agent/task pairs, worst first', 'drift-show-all',
          () => { showAll = true; scheduleRefresh(0); });
        const rows = shown.map(d => h('tr', { data: { agent: d.agent, task: d.task } },
          h('td', { class: 'name', 'data-label': 'Agent' }, link(agentHref(d.agent), d.agent)),
          td('Task', link(taskHref(d.task), d.task)),
          td('Status', pill(d.status)),
          td('Policy', h('span', { class: 'chip', text: d.policy }), d.alerted ? ' ' : null, d.alerted ? pill('alert_only', 'alert sent') : null),
          td('Since', timeAgo(d.since, 'unknown')),
          td('Message', d.message || h('span', { class: 'muted', text: '—' }))));
        swap(region, [table(['Agent', 'Task', 'Status', 'Policy', 'Since', 'Message'], rows, 'drift'), more]);
      },
    };
  };

  /** A cluster member's status (GET /api/v1/nodes: Pekko's member status, lower case) as a pill. */
  const NODE_TONES = { up: 'ok', weakly_up: 'info', joining: 'info', leaving: 'warn', exiting: 'warn', down: 'bad', removed: 'bad' };
  function nodeStatusPill(status) {
    const t = NODE_TONES[status] || 'idle';
    return h('span', { class: `pill tone-${t}`, data: { status } },
      h('span', { class: 'sym', 'aria-hidden': 'true', text: SYMBOLS[t] }), status);
  }

  /** #/nodes: the server nodes (GET /api/v1/nodes): one "local" node on a single server, every member in a cluster. */
  views.nodes = () => {
    const region = h('div');
    return {
      name: 'nodes', title: 'Nodes',
      mount() {
        replace(main, pageHead({ title: 'Nodes', subtitle: 'The server nodes of this control plane, as the node you are talking to sees them.' }), region);
      },
      async refresh() {
        const nodes = await api('/api/v1/nodes');
        this.loaded = true;
        if (nodes.length === 1 && nodes[0].address === 'local') {
          const n = nodes[0];
          swap(region, [emptyState('A single server',
            h('p', null, 'This server runs alone (no ', h('code', { text: 'cluster' }), ' block in server.hcl) and holds ',
              h('strong', { text: String(n.agents) }), ` agent${n.agents === 1 ? '' : 's'}. `,
              'Several servers form one control plane with a cluster block: see docs/cluster.md.'))]);
          return;
        }
        const up = nodes.filter(n => n.status === 'up').length;
        const lost = nodes.filter(n => !n.reachable).length;
        const agents = nodes.reduce((sum, n) => sum + (n.answered ? n.agents : 0), 0);
        const rows = nodes.map(n => h('tr', { data: { node: n.address, status: n.status, reachable: String(n.reachable) }, class: n.self ? 'self' : null },
          h('td', { class: 'name', 'data-label': 'Node' }, h('span', { class: 'mono', text: n.address }),
            n.self ? h('div', { class: 'sub', text: 'this node' }) : null),
          td('Status', nodeStatusPill(n.status), n.reachable ? null : ' ',
            n.reachable ? null : h('span', { class: 'pill tone-bad', data: { status: 'unreachable' } },
              h('span', { class: 'sym', 'aria-hidden': 'true', text: SYMBOLS.bad }), 'unreachable')),
          td('Agents', n.answered ? String(n.agents) : h('span', { class: 'muted', title: 'this node did not answer in time', text: '?' })),
          td('Roles', n.leader ? h('span', { class: 'chip', data: { role: 'leader' }, text: 'leader' }) : null,
            n.leader && n.singletons.length ? ' ' : null,
            n.singletons.map(x => h('span', { class: 'chip', data: { role: 'singleton' }, title: 'cluster singleton', text: x === 'fluke-git' ? 'Git singleton' : x })),
            !n.leader && !n.singletons.length ? h('span', { class: 'muted', text: '—' }) : null),
          td('Version', n.version || h('span', { class: 'muted', text: '—' }))));
        swap(region, [
          h('p', { class: 'muted', data: { summary: 'nodes' } },
            `${up} of ${nodes.length} node${nodes.length === 1 ? '' : 's'} up`,
            lost ? `, ${lost} unreachable` : '', `; ${agents} agent${agents === 1 ? '' : 's'} held by the nodes that answered.`),
          table(['Node', 'Status', 'Agents', 'Roles', 'Version'], rows, 'nodes')]);
        // Membership changes send no live update: this page asks again every 5 s while it is open.
        scheduleRefresh(5000);
      },
    };
  };

  views.events = (params, query) => {
    const filters = { agent: query.get('agent') || '', task: query.get('task') || '', outcome: query.get('outcome') || '', limit: query.get('limit') || '50' };
    const region = h('div');
    const agentSelect = h('select', { id: 'f-agent', name: 'agent' });
    const taskSelect = h('select', { id: 'f-task', name: 'task' });
    const outcomeSelect = h('select', { id: 'f-outcome', name: 'outcome' },
      h('option', { value: '', text: 'Any outcome' }), OUTCOMES.map(o => h('option', { value: o, text: o })));
    const limitSelect = h('select', { id: 'f-limit', name: 'limit' }, ['20', '50', '100', '500'].map(n => h('option', { value: n, text: n })));
    outcomeSelect.value = filters.outcome;
    limitSelect.value = ['20', '50', '100', '500'].includes(filters.limit) ? filters.limit : '50';

    function fillOptions(select, values, anyText, current) {
      const list = [...new Set(values.concat(current ? [current] : []))].sort();
      replace(select, h('option', { value: '', text: anyText }), list.map(v => h('option', { value: v, text: v })));
      select.value = current;
    }

    function apply(ev) {
      if (ev) ev.preventDefault();
      const q = new URLSearchParams();
      for (const [k, el] of [['agent', agentSelect], ['task', taskSelect], ['outcome', outcomeSelect], ['limit', limitSelect]]) {
        if (el.value && !(k === 'limit' && el.value === '50')) q.set(k, el.value);
      }
      const hash = `#/events${q.toString() ? `?${q}` : ''}`;
      if (location.hash !== hash) location.hash = hash; else scheduleRefresh(0);
    }

    return {
      name: 'events', title: 'Events',
      mount() {
        fillOptions(agentSelect, [], 'Any agent', filters.agent);
        fillOptions(taskSelect, [], 'Any task', filters.task);
        for (const s of [agentSelect, taskSelect, outcomeSelect, limitSelect]) s.addEventListener('change', apply);
        replace(main,
          pageHead({ title: 'Events', subtitle: 'Checks, applies, connections and manifest loads, newest first.' }),
          h('form', { class: 'card filters', role: 'search', 'aria-label': 'Filter events', onsubmit: apply },
            h('div', { class: 'field' }, h('label', { for: 'f-agent', text: 'Agent' }), agentSelect),
            h('div', { class: 'field' }, h('label', { for: 'f-task', text: 'Task' }), taskSelect),
            h('div', { class: 'field' }, h('label', { for: 'f-outcome', text: 'Outcome' }), outcomeSelect),
            h('div', { class: 'field' }, h('label', { for: 'f-limit', text: 'Show' }), limitSelect),
            h('noscript', null, h('button', { type: 'submit', class: 'button', text: 'Filter' }))),
          region);
      },
      async refresh() {
        const q = new URLSearchParams();
        for (const k of ['agent', 'task', 'outcome']) if (filters[k]) q.set(k, filters[k]);
        q.set('limit', limitSelect.value);
        const [events, agents, tasks] = await Promise.all([
          api(`/api/v1/events?${q}`), api('/api/v1/agents'), api('/api/v1/tasks')]);
        this.loaded = true;
        if (document.activeElement !== agentSelect) fillOptions(agentSelect, agents.map(a => a.name), 'Any agent', filters.agent);
        if (document.activeElement !== taskSelect) fillOptions(taskSelect, tasks.map(t => t.name), 'Any task', filters.task);
        const filtered = filters.agent || filters.task || filters.outcome;
        swap(region, events.length ? eventsTable(events)
          : emptyState(filtered ? 'No events match these filters' : 'No events yet',
            h('p', { text: filtered ? 'Try another agent, task or outcome, or clear the filters.' : 'Events appear as agents connect and run their checks.' })));
      },
      onUpdate(u) {
        if (u.kind !== 'event' && u.kind !== 'agent' && u.kind !== 'manifest') return false;
        return true;
      },
    };
  };

  // ---------------------------------------------------------------- plan

  const PLAN_WORDS = { would_apply: 'would apply', no_change: 'no change', error: 'error', not_connected: 'not connected',
    timed_out: 'timed out', changes: 'changes', errors: 'errors' };

  /** #/plan?ref=X: run a plan of a ref (POST /api/v1/plan) and show what merging it would do. Nothing is applied. */
  views.plan = (params, query) => {
    const region = h('div', { id: 'plan-result' });
    const refInput = h('input', { id: 'plan-ref', name: 'ref', required: true, autocomplete: 'off', spellcheck: 'false',
      placeholder: 'feature/x, v1.2, refs/pull/12/head or a commit id', value: query.get('ref') || '' });
    const timeoutSelect = h('select', { id: 'plan-timeout', name: 'timeout' },
      ['30s', '1m', '5m', '10m'].map(t => h('option', { value: t, text: t })));
    timeoutSelect.value = ['30s', '1m', '5m', '10m'].includes(query.get('timeout')) ? query.get('timeout') : '1m';
    const runButton = h('button', { type: 'submit', class: 'button primary', data: { key: 'plan-run' }, text: 'Run plan' });
    let running = false;

    function submit(ev) {
      if (ev) ev.preventDefault();
      const ref = refInput.value.trim();
      if (!ref) return;
      const q = new URLSearchParams({ ref });
      if (timeoutSelect.value !== '1m') q.set('timeout', timeoutSelect.value);
      const hash = `#/plan?${q}`;
      if (location.hash !== hash) location.hash = hash; else run(ref, timeoutSelect.value);
    }

    async function run(ref, timeout) {
      if (running) return;
      running = true;
      runButton.disabled = true;
      const gen = state.generation;
      swap(region, h('p', { class: 'loading', data: { plan: 'running' },
        text: `Planning ${ref}: fetching it and asking the agents for their checks (up to ${timeout})…` }));
      try {
        const plan = await api('/api/v1/plan', { method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ ref, timeout }) });
        if (gen === state.generation) swap(region, planResult(plan));
      } catch (e) {
        if (gen === state.generation) swap(region, h('div', { class: 'callout bad' }, h('h2', { text: 'The plan could not run' }), h('p', { text: e.message })));
      } finally {
        running = false;
        runButton.disabled = false;
      }
    }

    return {
      name: 'plan', title: 'Plan',
      mount() {
        replace(main,
          pageHead({ title: 'Plan', subtitle: 'What merging a branch or commit of the manifest repository would do: the checks of its new and changed tasks run on the agents they would match. Nothing is applied.' }),
          h('form', { class: 'card filters', 'aria-label': 'Plan a ref', onsubmit: submit },
            h('div', { class: 'field wide' }, h('label', { for: 'plan-ref', text: 'Ref' }), refInput),
            h('div', { class: 'field' }, h('label', { for: 'plan-timeout', text: 'Wait for agents' }), timeoutSelect),
            runButton),
          region);
        if (!query.get('ref')) {
          swap(region, emptyState('Plan a change before it is merged',
            h('p', { text: 'Enter the branch of a pull request (or a tag, or a commit id). The CLI does the same for CI:' }),
            h('pre', { class: 'code', text: 'fluke plan --ref feature/x   # exit 0: no change, 2: changes, 1: errors' })));
        }
      },
      async refresh() {
        this.loaded = true;
        if (query.get('ref') && !this.started) {
          this.started = true;
          run(query.get('ref'), timeoutSelect.value);
        }
      },
      onUpdate() { return false; },
    };
  };

  function planPill(word) {
    return pill(word, PLAN_WORDS[word] || word);
  }

  function planResult(p) {
    const kv = (k, ...v) => h('div', { class: 'kv' }, h('span', { class: 'k', text: k }), h('span', { class: 'v' }, v));
    const summary = h('div', { class: 'card manifest', data: { verdict: p.verdict } },
      kv('Verdict', planPill(p.verdict === 'no_change' ? 'no_change' : p.verdict)),
      kv('Ref', h('code', { text: p.ref })),
      kv('Commit', p.commit ? h('code', { title: p.commit, text: shortSha(p.commit) }) : h('span', { class: 'muted', text: '—' })),
      kv('In force', p.in_force ? h('code', { title: p.in_force, text: shortSha(p.in_force) }) : h('span', { class: 'muted', text: 'nothing yet' })));
    if (p.error) {
      return [summary, h('div', { class: 'callout bad', data: { plan: 'error' } },
        h('h2', { text: 'This ref cannot be planned' }), h('p', { text: p.error }),
        p.errors.length ? h('pre', { class: 'code', text: p.errors.map(e => `${e.pos.file}:${e.pos.line}:${e.pos.column}: ${e.message}`).join('\n') }) : null)];
    }
    const rows = [];
    let unchanged = 0;
    for (const t of p.tasks) {
      if (t.change === 'unchanged') { unchanged++; continue; }
      const change = () => h('span', { class: 'chip', text: t.change }); // one element per row
      if (t.change === 'removed' || !t.agents.length) {
        rows.push(h('tr', { data: { task: t.name } },
          h('td', { class: 'name', 'data-label': 'Task' }, t.name), td('Change', change()),
          td('Agent', h('span', { class: 'muted', text: '—' })), td('Result', h('span', { class: 'muted', text: '—' })),
          td('Message', t.change === 'removed' ? 'no longer reconciled' : 'matches no known agent')));
        continue;
      }
      for (const c of t.agents) {
        rows.push(h('tr', { data: { task: t.name, agent: c.agent, result: c.result } },
          h('td', { class: 'name', 'data-label': 'Task' }, t.name), td('Change', change()),
          td('Agent', link(agentHref(c.agent), c.agent)), td('Result', planPill(c.result)),
          td('Message', c.message || h('span', { class: 'muted', text: '—' }))));
      }
    }
    const tasks = rows.length ? table(['Task', 'Change', 'Agent', 'Result', 'Message'], rows, 'plan')
      : h('p', { class: 'muted', text: 'No task is new, changed or removed.' });
    const agents = p.agents.length ? section('Agents whose tasks change', null,
      table(['Agent', 'Connected', 'Gains', 'Loses'], p.agents.map(a => h('tr', { data: { agent: a.agent } },
        h('td', { class: 'name', 'data-label': 'Agent' }, link(agentHref(a.agent), a.agent)),
        td('Connected', connectionPill(a.connected)),
        td('Gains', a.gains.join(', ') || h('span', { class: 'muted', text: '—' })),
        td('Loses', a.loses.join(', ') || h('span', { class: 'muted', text: '—' })))), 'plan-agents')) : null;
    return [summary, section('Tasks', unchanged ? `${unchanged} unchanged task(s) not checked` : null, tasks), agents];
  }

  // ---------------------------------------------------------------- router

  function parseHash() {
    const raw = location.hash.replace(/^#/, '') || '/';
    const [path, qs] = raw.split('?');
    const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
    const query = new URLSearchParams(qs || '');
    if (parts.length === 0) return { view: 'fleet', params: [], query };
    if (parts[0] === 'agents' && parts[1]) return { view: 'agent', params: [parts[1]], query };
    if (parts[0] === 'tasks' && parts[1]) return { view: 'task', params: [parts[1]], query };
    if (parts[0] === 'tasks') return { view: 'tasks', params: [], query };
    if (parts[0] === 'drift') return { view: 'drift', params: [], query };
    if (parts[0] === 'events') return { view: 'events', params: [], query };
    if (parts[0] === 'plan') return { view: 'plan', params: [], query };
    if (parts[0] === 'nodes') return { view: 'nodes', params: [], query };
    return { view: 'missing', params: [], query };
  }

  function route() {
    const r = parseHash();
    state.generation++;
    clearTimeout(state.refreshTimer);
    state.refreshTimer = null;
    const nav = r.view === 'agent' ? 'fleet' : r.view === 'task' ? 'tasks' : r.view;
    for (const a of document.querySelectorAll('[data-nav]')) {
      if (a.dataset.nav === nav) a.setAttribute('aria-current', 'page'); else a.removeAttribute('aria-current');
    }
    if (r.view === 'missing') {
      state.view = null;
      replace(main, emptyState('Page not found', h('p', null, 'Nothing lives at this address. ', link('#/', 'Go to the fleet'))));
      return;
    }
    const view = views[r.view](r.params, r.query);
    state.view = view;
    document.title = `${view.title} · Fluke`;
    replace(main, h('p', { class: 'loading', text: 'Loading…' }));
    view.mount();
    connectStream(false);
    refreshView(view);
  }

  // Keep "3 min ago" current without refetching.
  setInterval(() => {
    for (const el of document.querySelectorAll('time[data-rel]')) el.textContent = relative(el.getAttribute('datetime'));
  }, 15000);

  document.getElementById('skip').addEventListener('click', () => main.focus());
  document.getElementById('forget-token').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    state.token = null;
    updateTokenButton();
    if (state.stream) state.stream.controller.abort();
    state.stream = null;
    route();
  });
  window.addEventListener('hashchange', () => {
    route();
    main.focus({ preventScroll: true });
    window.scrollTo(0, 0);
  });
  updateTokenButton();
  route();
})();
