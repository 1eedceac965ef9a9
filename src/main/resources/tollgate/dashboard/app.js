'use strict';
/*
 * The Tollgate dashboard (issue 13). Reads the admin API with the admin token, which is kept in
 * this tab's sessionStorage only: never in a URL, never in a cookie, never sent anywhere but
 * /admin/ on this gateway. Every string from the gateway is shown with textContent (a model name
 * a client chose must never become markup). Polls every POLL_MS while the tab is visible.
 */
(function () {
  const POLL_MS = 2000;
  const TOKEN_KEY = 'tollgate.adminToken';
  const REQUESTS_SHOWN = 25;
  const $ = id => document.getElementById(id);
  const charts = window.TollgateCharts;

  let timer = null;
  let polling = false;
  let baselineModel = null;

  // ------------------------------------------------------------------ formatting
  const intFmt = new Intl.NumberFormat('en-US');
  function count(v) { return v === null || v === undefined ? '–' : intFmt.format(v); }
  function compact(v) {
    if (v === null || v === undefined) return '–';
    const a = Math.abs(v);
    if (a >= 1e9) return (v / 1e9).toFixed(a >= 1e10 ? 0 : 1) + 'G';
    if (a >= 1e6) return (v / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M';
    if (a >= 1e4) return (v / 1e3).toFixed(a >= 1e5 ? 0 : 1) + 'k';
    return intFmt.format(Math.round(v * 100) / 100);
  }
  function usd(v) {
    if (v === null || v === undefined) return '–';
    const a = Math.abs(v);
    if (a === 0) return '$0.00';
    if (a >= 100) return '$' + v.toFixed(0);
    if (a >= 0.01) return '$' + v.toFixed(2);
    return '$' + v.toFixed(6).replace(/0+$/, '');
  }
  /** An axis label in USD: as many decimals as the value needs (0.025 stays 0.025). */
  function usdAxis(v) {
    if (!v) return '$0';
    return '$' + v.toFixed(10).replace(/0+$/, '').replace(/\.$/, '');
  }
  function ms(v) {
    if (v === null || v === undefined) return '–';
    if (v >= 10000) return (v / 1000).toFixed(1) + ' s';
    if (v >= 1000) return (v / 1000).toFixed(2) + ' s';
    if (v >= 10) return Math.round(v) + ' ms';
    return v.toFixed(1) + ' ms';
  }
  function rate(v) { return v === null || v === undefined ? '–' : v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2); }
  function time(iso) {
    const d = new Date(iso);
    return isNaN(d) ? String(iso) : d.toLocaleTimeString('en-GB', { hour12: false });
  }
  function text(id, v) { $(id).textContent = v; }

  // ------------------------------------------------------------------ screens
  function show(screen) {
    for (const id of ['loading', 'login', 'off', 'dash']) $(id).hidden = id !== screen;
    $('session').hidden = screen !== 'dash';
  }

  function loginError(message) {
    const e = $('login-error');
    e.textContent = message || '';
    e.hidden = !message;
  }

  function banner(message) {
    const b = $('banner');
    b.textContent = message || '';
    b.hidden = !message;
  }

  // ------------------------------------------------------------------ the admin API
  /** GET path with the token: {status, body} (body null unless JSON); never throws for HTTP errors. */
  async function admin(path, token) {
    const r = await fetch(path, {
      headers: { 'Authorization': 'Bearer ' + token, 'Accept': 'application/json' },
      cache: 'no-store', credentials: 'omit', redirect: 'error', referrerPolicy: 'no-referrer'
    });
    let body = null;
    if ((r.headers.get('Content-Type') || '').startsWith('application/json')) {
      try { body = await r.json(); } catch (e) { body = null; }
    }
    return { status: r.status, body: body };
  }

  function errorMessage(res) {
    return res.body && res.body.error && res.body.error.message ? res.body.error.message : 'HTTP ' + res.status;
  }

  async function signIn(event) {
    event.preventDefault();
    const input = $('token');
    const token = input.value.trim();
    if (!token) { loginError('Enter the admin token.'); return; }
    $('sign-in').disabled = true;
    loginError('');
    try {
      const res = await admin('/admin/routing', token);
      if (res.status === 200) {
        sessionStorage.setItem(TOKEN_KEY, token);
        input.value = '';
        start();
      } else if (res.status === 401) {
        loginError('Wrong admin token: the gateway refused it. Use the value of TOLLGATE_ADMIN_TOKEN '
          + '(or the token whose SHA-256 is accounts.admin_token_sha256).');
        input.select();
      } else if (res.status === 403) {
        showOff(errorMessage(res));
      } else {
        loginError('The gateway answered ' + res.status + ': ' + errorMessage(res));
      }
    } catch (e) {
      loginError('Cannot reach the gateway: ' + e.message);
    } finally {
      $('sign-in').disabled = false;
    }
  }

  function signOut(message) {
    stop();
    sessionStorage.removeItem(TOKEN_KEY);
    show('login');
    loginError(message || '');
    $('token').focus();
  }

  function showOff(message) {
    stop();
    sessionStorage.removeItem(TOKEN_KEY);
    $('off-message').textContent = message;
    show('off');
  }

  function start() {
    show('dash');
    banner('');
    poll();
  }

  function stop() {
    if (timer) clearTimeout(timer);
    timer = null;
  }

  async function poll() {
    stop();
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) { signOut(); return; }
    if (document.hidden) { timer = setTimeout(poll, POLL_MS); return; }
    if (polling) return;
    polling = true;
    try {
      const [stats, requests, routing, keys] = await Promise.all([
        admin('/admin/stats', token), admin('/admin/requests?limit=' + REQUESTS_SHOWN, token),
        admin('/admin/routing', token), admin('/admin/keys', token)]);
      const all = [stats, requests, routing, keys];
      if (all.some(r => r.status === 401)) { signOut('The gateway no longer accepts this admin token; sign in again.'); return; }
      const off = all.find(r => r.status === 403);
      if (off) { showOff(errorMessage(off)); return; }
      if (routing.status === 200) renderRouting(routing.body);
      if (stats.status === 200) renderStats(stats.body);
      else renderStatsMissing(stats);
      if (requests.status === 200) renderRequests(requests.body.data || []);
      else noneRow('requests', 10, 'Not available: GET /admin/requests answered ' + requests.status + '.');
      if (keys.status === 200) renderKeys(keys.body.data || []);
      else noneRow('keys', 10, 'Not available: GET /admin/keys answered ' + keys.status + '.');
      const failed = all.filter(r => r.status !== 200 && r.status !== 404);
      banner(failed.length ? 'Some data could not be read: ' + failed.map(errorMessage).join('; ') : '');
      $('live').classList.remove('stale');
      text('live', 'live');
      text('updated', 'updated ' + new Date().toLocaleTimeString('en-GB', { hour12: false }));
    } catch (e) {
      $('live').classList.add('stale');
      text('live', 'offline');
      banner('Cannot reach the gateway (' + e.message + '); retrying every ' + POLL_MS / 1000 + ' s.');
    } finally {
      polling = false;
    }
    if (sessionStorage.getItem(TOKEN_KEY) && !$('dash').hidden) timer = setTimeout(poll, POLL_MS);
  }

  // ------------------------------------------------------------------ rendering
  function pct(p) { return p || {}; }

  function renderStats(s) {
    const t = s.totals || {};
    if (s.version) text('version', 'v' + s.version);
    text('t-rps', rate(s.rps));
    text('t-requests', count(t.requests) + ' requests since start');
    text('t-errors', count(t.errors));
    const rateOf = t.requests ? ((t.errors || 0) / t.requests * 100).toFixed(1) + ' % of requests · ' : '';
    text('t-errors-sub', rateOf + count(t.client_errors) + ' client errors (4xx)');
    const lat = pct(s.latency_ms), ttft = pct(s.ttft_ms);
    text('t-lat', ms(lat.p50));
    text('t-lat-sub', 'p90 ' + ms(lat.p90) + ' · p99 ' + ms(lat.p99));
    text('t-ttft', ms(ttft.p50));
    text('t-ttft-sub', ttft.p50 === null || ttft.p50 === undefined ? 'no streamed request yet' : 'p90 ' + ms(ttft.p90) + ' · p99 ' + ms(ttft.p99));
    text('t-tokens', compact(t.tokens_in) + ' / ' + compact(t.tokens_out));
    text('t-tokens-sub', count((t.tokens_in || 0) + (t.tokens_out || 0)) + ' tokens in all');
    text('t-cost', usd(t.cost_usd));
    text('t-cost-sub', count(t.credits) + ' credits charged');
    text('t-savings', usd(t.savings_usd));
    text('t-savings-sub', baselineModel ? 'against ' + baselineModel + ', the baseline' : 'no priced baseline model');
    $('t-savings-sub').title = baselineModel ? 'What the same requests would have cost on the premium baseline model, '
      + baselineModel + ', less what they cost' : '';
    text('t-inflight', count(t.in_flight));
    text('t-inflight-sub', count(t.streams) + ' streams open');

    const series = s.series || [];
    const times = series.map(b => b.t);
    const col = k => series.map(b => b[k] || 0);
    charts.draw($('c-requests'), { times: times, integer: true, format: compact,
      series: [{ name: 'requests', values: col('requests'), kind: 'bar', cls: 'b-req' },
               { name: 'errors', values: col('errors'), kind: 'bar', cls: 'b-err' }] });
    charts.draw($('c-tokens'), { times: times, integer: true, format: compact,
      series: [{ name: 'in', values: col('tokens_in'), kind: 'line', cls: 'l-in', area: 'a-in' },
               { name: 'out', values: col('tokens_out'), kind: 'line', cls: 'l-out', area: 'a-out' }] });
    charts.draw($('c-spend'), { times: times, integer: false, format: (v, exact) => exact ? usd(v) : usdAxis(v),
      series: [{ name: 'spend', values: col('cost_usd'), kind: 'line', cls: 'l-cost', area: 'a-cost' },
               { name: 'savings', values: col('savings_usd'), kind: 'line', cls: 'l-save', area: 'a-save' }] });
  }

  function renderStatsMissing(res) {
    const why = res.status === 404 ? 'This gateway has no GET /admin/stats.' : 'GET /admin/stats answered ' + res.status + '.';
    for (const id of ['c-requests', 'c-tokens', 'c-spend']) charts.draw($(id), { times: [], series: [], format: String, empty: why });
  }

  /** Replaces a table's body with rows of cells; a cell is a string, or {text, cls, node}. */
  function fill(tableId, rows) {
    const tbody = $(tableId).tBodies[0];
    const out = document.createDocumentFragment();
    for (const row of rows) {
      const tr = document.createElement('tr');
      for (const c of row) {
        const td = document.createElement('td');
        const cell = typeof c === 'object' && c !== null ? c : { text: c };
        if (cell.cls) td.className = cell.cls;
        if (cell.node) td.appendChild(cell.node);
        else td.textContent = cell.text === null || cell.text === undefined ? '–' : String(cell.text);
        if (cell.title) td.title = cell.title;
        tr.appendChild(td);
      }
      out.appendChild(tr);
    }
    tbody.replaceChildren(out);
  }

  function noneRow(tableId, span, message) {
    const td = document.createElement('td');
    td.colSpan = span;
    td.className = 'none';
    td.textContent = message;
    const tr = document.createElement('tr');
    tr.appendChild(td);
    $(tableId).tBodies[0].replaceChildren(tr);
  }

  function badge(label, kind) {
    const b = document.createElement('span');
    b.className = 'badge ' + kind;
    b.textContent = label;
    return b;
  }

  function num(v, f) { return { text: (f || count)(v), cls: 'num' }; }

  function renderRouting(r) {
    baselineModel = r.baseline_model;
    const ds = r.deployments || [];
    const total = ds.reduce((a, d) => a + (d.requests || 0), 0);
    if (!ds.length) noneRow('routing', 9, 'No deployment: no provider of the config is enabled.');
    else fill('routing', ds.map(d => {
      let breaker = d.breaker === 'closed' ? badge('closed', 'ok') : d.breaker === 'open' ? badge('open', 'bad') : badge('half open', 'warn');
      if (d.breaker_retry_after_ms) breaker.textContent += ' · ' + Math.ceil(d.breaker_retry_after_ms / 1000) + ' s';
      if (d.rate_limited_for_ms) breaker = badge('rate limited · ' + Math.ceil(d.rate_limited_for_ms / 1000) + ' s', 'warn');
      const share = document.createElement('span');
      share.className = 'share';
      const fillBar = document.createElement('span');
      fillBar.style.width = (total ? Math.round((d.requests || 0) / total * 100) : 0) + '%'; // CSSOM: allowed by the CSP
      share.appendChild(fillBar);
      share.title = total ? Math.round((d.requests || 0) / total * 100) + ' % of the calls' : 'no calls yet';
      return [{ text: d.deployment, title: d.deployment }, d.provider, { text: d.model, title: d.model }, { node: breaker },
              num(d.in_flight), num(d.requests), { text: count(d.errors), cls: 'num' + (d.errors ? ' err' : '') },
              { node: share }, num(d.latency_ms, ms)];
    }));
    text('routing-note', total ? count(total) + ' upstream calls since start' : 'no upstream call yet');
    const facts = document.createDocumentFragment();
    const fact = (label, value) => {
      const p = document.createElement('p');
      const b = document.createElement('b');
      b.textContent = label + ': ';
      p.appendChild(b);
      p.appendChild(document.createTextNode(value));
      facts.appendChild(p);
    };
    for (const g of r.groups || []) {
      fact('Group ' + (g.name || g.id), g.strategy + ' — ' + ((g.members || []).join(', ') || 'no enabled member'));
    }
    const policies = (r.policies || []).map(p => p.name + ' (quality ≥ ' + p.min_quality + ')' + (p.default ? ', the default' : ''));
    if (policies.length) fact('neo-mode policies', policies.join('; '));
    if ((r.policy_models || []).length) fact('neo-mode chooses from', r.policy_models.join(', '));
    fact('Savings baseline', r.baseline_model || 'none (no priced model)');
    for (const p of r.disabled_providers || []) fact('Disabled: ' + p.provider, p.reason);
    $('routing-facts').replaceChildren(facts);
  }

  function renderKeys(keys) {
    if (!keys.length) {
      noneRow('keys', 10, 'No managed keys. Create one with "tollgate keys create --name NAME" or POST /admin/keys.');
      return;
    }
    fill('keys', keys.map(k => {
      const status = badge(k.status, k.status === 'active' ? 'ok' : k.status === 'revoked' ? 'bad' : 'warn');
      const balance = k.credits === null ? 'unlimited' : count(k.balance) + ' / ' + count(k.credits);
      const limit = v => v ? count(v) : '–';
      return [{ text: k.name, title: k.id }, k.prefix, { node: status }, { text: balance, cls: 'num' }, num(k.spent), num(k.held),
              { text: count(k.streams) + (k.max_streams ? ' / ' + count(k.max_streams) : ''), cls: 'num' },
              { text: limit(k.rpm), cls: 'num' }, { text: limit(k.tpm), cls: 'num' },
              k.expires ? k.expires.slice(0, 10) : 'never'];
    }));
  }

  function renderRequests(rows) {
    if (!rows.length) {
      noneRow('requests', 10, 'No request yet.');
      return;
    }
    fill('requests', rows.map(q => {
      const kind = q.status >= 500 ? 'bad' : q.status >= 400 ? 'warn' : 'ok';
      const status = badge(String(q.status) + (q.stream ? ' · stream' : ''), kind);
      return [{ text: time(q.ts), title: q.request_id }, q.endpoint, q.key, { text: q.model, title: q.model },
              { text: q.deployment, title: q.deployment }, { node: status },
              { text: count(q.tokens_in) + ' → ' + count(q.tokens_out), cls: 'num' }, num(q.cost_usd, usd),
              num(q.duration_ms, ms), num(q.ttft_ms, ms)];
    }));
  }

  // ------------------------------------------------------------------ start
  async function init() {
    $('login-form').addEventListener('submit', signIn);
    $('logout').addEventListener('click', () => signOut(''));
    document.addEventListener('visibilitychange', () => { if (!document.hidden && !$('dash').hidden) poll(); });
    let status;
    try {
      const r = await fetch('/dashboard/status.json', { cache: 'no-store', credentials: 'omit' });
      status = await r.json();
    } catch (e) {
      show('login');
      loginError('Cannot reach the gateway: ' + e.message);
      return;
    }
    if (!status.admin_api) { showOff(status.message); return; }
    if (sessionStorage.getItem(TOKEN_KEY)) start();
    else { show('login'); $('token').focus(); }
  }

  init();
})();
