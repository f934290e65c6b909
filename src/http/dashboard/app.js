// The tollgate cost dashboard: signs in with HTTP Basic, then shows one team's spend from the /v1 API.
// Plain DOM, no framework. Text from the server (SQL, names) is only ever set as textContent.
import {
  daysBetween,
  formatBytes,
  formatCount,
  formatMoney,
  formatPercent,
  shortFingerprint,
  truncateSql,
} from './format.js';

const $ = (id) => document.getElementById(id);
const byTestId = (name) => document.querySelector(`[data-testid="${name}"]`);

/** The signed-in user's Authorization header and /v1/me answer. In memory only: a reload signs out. */
let session = null;
/** Bumped on every team load and sign-out, so answers that arrive late for an older view are dropped. */
let generation = 0;
let chart = null;
let chartCurrency = 'USD';

class ApiError extends Error {
  constructor(status, body, retryAfter) {
    super(body?.error?.message ?? `HTTP ${status}`);
    this.status = status;
    this.code = body?.error?.code;
    this.hint = body?.error?.hint;
    this.retryAfter = retryAfter;
  }
}

function basicHeader(user, password) {
  // btoa takes Latin-1 only; RFC 7617 says UTF-8, so encode first.
  let bin = '';
  for (const b of new TextEncoder().encode(`${user}:${password}`)) bin += String.fromCharCode(b);
  return `Basic ${btoa(bin)}`;
}

async function api(path, authorization = session?.authorization) {
  let res;
  try {
    // credentials: 'omit' keeps the browser from popping its own password dialog on a 401.
    res = await fetch(path, { headers: { authorization, accept: 'application/json' }, credentials: 'omit', cache: 'no-store' });
  } catch (err) {
    throw new ApiError(0, { error: { message: `cannot reach tollgate (${err.message})` } });
  }
  let body = null;
  try {
    body = await res.json();
  } catch {
    /* not JSON: the status says enough */
  }
  if (!res.ok) throw new ApiError(res.status, body, res.headers.get('retry-after'));
  return body;
}

function describe(err) {
  if (err.status === 401) return 'wrong user or password';
  if (err.status === 429) {
    const secs = Number(err.retryAfter);
    return Number.isFinite(secs) && secs > 0 ? `too many attempts, wait ${secs} s and try again` : 'too many attempts, wait a moment and try again';
  }
  return err.hint ? `${err.message} (${err.hint})` : err.message;
}

// ---- sign in and out ----

async function signIn(event) {
  event.preventDefault();
  const user = $('user').value.trim();
  const password = $('password').value;
  const error = $('signin-error');
  if (!user || !password) {
    error.textContent = 'enter your user and password';
    return;
  }
  const button = $('signin-button');
  button.disabled = true;
  error.textContent = '';
  const authorization = basicHeader(user, password);
  try {
    const me = await api('/v1/me', authorization);
    session = { authorization, me };
  } catch (err) {
    console.error('sign-in failed', err);
    error.textContent = describe(err);
    $('password').select();
    return;
  } finally {
    button.disabled = false;
  }
  $('password').value = '';
  showDashboard();
}

function showDashboard() {
  const { me } = session;
  $('who').textContent = `${me.user} (${me.role})`;
  const select = $('team-select');
  select.replaceChildren();
  const teams = me.role === 'admin' && Array.isArray(me.teams) ? [...new Set([me.team, ...me.teams])].sort() : [];
  for (const t of teams) select.append(new Option(t, t, false, t === me.team));
  $('team-switch').hidden = teams.length < 2;
  $('session').hidden = false;
  $('signin-view').hidden = true;
  $('dashboard-view').hidden = false;
  void loadTeam(me.team);
}

function signOut(message = '') {
  session = null;
  generation++;
  chart?.destroy();
  chart = null;
  clearDashboard();
  $('session').hidden = true;
  $('dashboard-view').hidden = true;
  $('signin-view').hidden = false;
  $('signin-error').textContent = message;
  $('user').focus();
}

// ---- loading a team ----

async function loadTeam(team) {
  const gen = ++generation;
  const view = $('dashboard-view');
  view.dataset.state = 'loading';
  view.dataset.team = team;
  $('team-name').textContent = team;
  $('load-state').textContent = 'Loading…';
  clearDashboard();

  const t = encodeURIComponent(team);
  const parts = await Promise.allSettled([
    api(`/v1/teams/${t}/spend?by=day`),
    api(`/v1/teams/${t}/spend?by=engine`),
    api(`/v1/teams/${t}/spend?by=user`),
    api(`/v1/teams/${t}/budget`),
    api(`/v1/teams/${t}/top-queries?limit=10`),
  ]);
  if (gen !== generation) return; // signed out or switched team meanwhile
  if (parts.some((p) => p.status === 'rejected' && p.reason.status === 401)) {
    signOut('wrong user or password (your password may have changed); sign in again');
    return;
  }
  const [day, engine, user, budget, top] = parts;
  show(day, renderSpendByDay, $('spend-error'));
  show(engine, (d) => renderBreakdown(d, 'engine'), $('engine-error'));
  show(user, (d) => renderBreakdown(d, 'user'), $('user-error'));
  show(budget, renderBudget, $('budget-error'));
  show(top, renderTopQueries, $('top-error'));

  // Admins also see the table migrations (not per team): shadow comparisons, time and bytes on each side.
  if (session?.me?.role === 'admin') {
    const migrations = await Promise.allSettled([api('/v1/admin/migrations')]);
    if (gen !== generation) return;
    $('migrations-card').hidden = false;
    show(migrations[0], renderMigrations, $('migrations-error'));
    parts.push(...migrations);
  }
  const failed = parts.filter((p) => p.status === 'rejected').length;
  $('load-state').textContent = failed ? `${failed} of ${parts.length} parts could not be loaded` : `Updated ${new Date().toLocaleTimeString()}`;
  view.dataset.state = failed ? 'partial' : 'ready';
}

function show(result, render, errorEl) {
  if (result.status === 'fulfilled') {
    try {
      render(result.value);
      return;
    } catch (err) {
      console.error('cannot show', result.value, err);
      errorEl.textContent = `unexpected answer from tollgate: ${err.message}`;
      return;
    }
  }
  console.error('request failed', result.reason);
  errorEl.textContent = describe(result.reason);
}

const VALUES = [
  'month-cost', 'month-queries', 'month-bytes', 'cache-saved', 'cache-hits', 'budget-monthly', 'budget-remaining-line',
  'budget-used', 'budget-spent', 'budget-reserved', 'budget-amount', 'budget-limit', 'budget-forecast', 'budget-resets', 'budget-thresholds',
];
const ERRORS = ['spend-error', 'engine-error', 'user-error', 'budget-error', 'top-error', 'migrations-error'];

function clearDashboard() {
  for (const name of VALUES) setValue(name, null, '—');
  for (const id of ERRORS) $(id).textContent = '';
  for (const id of ['daily-rows', 'engine-rows', 'user-rows', 'top-rows', 'burn-marks', 'migration-rows']) $(id).replaceChildren();
  $('period').textContent = '';
  $('budget-none').hidden = true;
  $('budget-detail').hidden = true;
  if (chart) {
    chart.data.labels = [];
    chart.data.datasets[0].data = [];
    chart.update('none');
  }
}

// ---- rendering ----

/** Sets a number's text and its exact value (data-value) for anyone who needs more than the rounded text. */
function setValue(testId, value, text) {
  const el = byTestId(testId);
  el.textContent = text;
  if (value === null || value === undefined) delete el.dataset.value;
  else el.dataset.value = String(value);
}

const setMoney = (testId, amount, currency) => setValue(testId, amount, amount === null || amount === undefined ? '—' : formatMoney(amount, currency));

function renderSpendByDay(data) {
  const { currency, total } = data;
  setMoney('month-cost', total.cost, currency);
  setValue('month-queries', total.queries, formatCount(total.queries));
  setValue('month-bytes', total.billedBytes, formatBytes(total.billedBytes));
  setMoney('cache-saved', total.savedCost, currency);
  setValue('cache-hits', total.cacheHits, formatCount(total.cacheHits));
  $('period').textContent = `${data.from} – ${data.to}`;

  // Days without queries have no row; the chart shows them as zero, up to today.
  const today = new Date().toISOString().slice(0, 10);
  const byKey = new Map(data.rows.map((r) => [r.key, r]));
  const days = daysBetween(data.from, data.to < today ? data.to : today);
  for (const r of data.rows) if (!days.includes(r.key)) days.push(r.key);
  days.sort();

  const tbody = $('daily-rows');
  tbody.replaceChildren(
    ...days.map((d) => {
      const r = byKey.get(d);
      return row([d, formatCount(r?.queries ?? 0), formatMoney(r?.cost ?? 0, currency)], [false, true, true]);
    }),
  );
  renderChart(days, days.map((d) => byKey.get(d)?.cost ?? 0), currency);
}

function renderChart(labels, values, currency) {
  chartCurrency = currency;
  const Chart = window.Chart;
  if (!Chart) {
    $('daily-chart').hidden = true;
    return;
  }
  if (chart) {
    chart.data.labels = labels;
    chart.data.datasets[0].data = values;
    chart.update('none');
    return;
  }
  chart = new Chart($('daily-chart'), {
    type: 'bar',
    data: { labels, datasets: [{ label: 'Cost', data: values, backgroundColor: '#2563eb', borderRadius: 2 }] },
    options: {
      animation: false,
      responsive: true,
      maintainAspectRatio: false,
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (ctx) => formatMoney(ctx.parsed.y, chartCurrency) } },
      },
      scales: {
        // Day labels without the year: MM-DD.
        x: { ticks: { callback(v) { return String(this.getLabelForValue(v)).slice(5); } }, grid: { display: false } },
        y: { beginAtZero: true, ticks: { callback: (v) => formatMoney(v, chartCurrency) } },
      },
    },
  });
}

function renderBreakdown(data, by) {
  const max = Math.max(0, ...data.rows.map((r) => r.cost));
  const rows = data.rows.map((r) => {
    const tr = row([r.key, formatCount(r.queries), formatMoney(r.cost, data.currency)], [false, true, true]);
    tr.dataset.testid = `${by}-row`;
    tr.cells[2].dataset.value = String(r.cost);
    const bar = document.createElement('div');
    bar.className = 'share';
    bar.style.width = `${max > 0 ? (100 * r.cost) / max : 0}%`;
    const td = document.createElement('td');
    td.className = 'bar-col';
    td.append(bar);
    tr.append(td);
    return tr;
  });
  $(`${by}-rows`).replaceChildren(...(rows.length ? rows : [emptyRow(4, 'No queries in this period.')]));
}

function renderBudget(data) {
  const { currency, budget, status } = data;
  const m = status.month;
  if (budget === null) {
    $('budget-none').hidden = false;
    setValue('budget-monthly', null, 'no budget');
    setValue('budget-remaining-line', null, `${formatMoney(m.spent, currency)} spent`);
    return;
  }
  $('budget-detail').hidden = false;
  const forecast = typeof data.forecast?.month === 'number' ? data.forecast.month : null;
  setMoney('budget-monthly', m.budget, currency);
  setValue('budget-remaining-line', m.remaining, m.remaining === null ? '' : `${formatMoney(m.remaining, currency)} left · resets ${m.resetsOn}`);
  const used = m.budget ? (m.spent + m.reserved) / m.budget : null;
  setValue('budget-used', used, used === null ? '—' : used > 0 && used < 0.001 ? 'under 0.1%' : formatPercent(used));
  setMoney('budget-spent', m.spent, currency);
  setMoney('budget-reserved', m.reserved, currency);
  setMoney('budget-amount', m.budget, currency);
  setValue('budget-limit', m.limit, m.limit === null ? '—' : `${formatMoney(m.limit, currency)} (${formatPercent(budget.hardLimit)})`);
  setValue('budget-forecast', forecast, forecast === null ? 'not enough data yet' : formatMoney(forecast, currency));
  setValue('budget-resets', null, m.resetsOn);
  const soft = m.thresholds.length ? m.thresholds : budget.softThresholds.map((t) => ({ threshold: t, amount: t * m.budget, crossedAt: null }));
  setValue(
    'budget-thresholds',
    null,
    soft.length ? soft.map((t) => `${formatPercent(t.threshold)} (${formatMoney(t.amount, currency)}${t.crossedAt ? ', crossed' : ''})`).join(', ') : 'none',
  );
  drawBurn(m, soft, forecast, currency);
}

/** The burn bar: spent and reserved as bars, forecast as a faint bar, thresholds and the hard limit as marks. */
function drawBurn(m, soft, forecast, currency) {
  const scale = Math.max(m.limit ?? 0, m.budget ?? 0, m.spent + m.reserved, forecast ?? 0) || 1;
  const pct = (v) => `${Math.min(100, (100 * v) / scale)}%`;
  $('burn-spent').style.width = pct(m.spent);
  $('burn-reserved').style.left = pct(m.spent);
  $('burn-reserved').style.width = pct(m.reserved);
  $('burn-forecast').style.width = pct(forecast ?? 0);
  const used = m.spent + m.reserved;
  const over = m.limit !== null && used >= m.limit ? 'bad' : soft.some((t) => used >= t.amount) ? 'warn' : 'ok';
  $('burn').dataset.level = over;
  const marks = [
    ...soft.map((t) => ({ at: t.amount, cls: 'mark-soft', label: `warning at ${formatPercent(t.threshold)}` })),
    ...(m.limit === null ? [] : [{ at: m.limit, cls: 'mark-hard', label: 'hard limit' }]),
  ];
  $('burn-marks').replaceChildren(
    ...marks.map((mk) => {
      const el = document.createElement('div');
      el.className = `mark ${mk.cls}`;
      el.style.left = pct(mk.at);
      el.title = `${mk.label}: ${formatMoney(mk.at, currency)}`;
      return el;
    }),
  );
  $('burn').setAttribute(
    'aria-label',
    `Spent ${formatMoney(m.spent, currency)} and reserved ${formatMoney(m.reserved, currency)} of a ${formatMoney(m.budget, currency)} budget` +
      (m.limit === null ? '' : `, hard limit ${formatMoney(m.limit, currency)}`) +
      (forecast === null ? '' : `, forecast ${formatMoney(forecast, currency)} by ${m.resetsOn}`),
  );
}

function renderTopQueries(data) {
  const rows = data.rows.map((r) => {
    const tr = document.createElement('tr');
    tr.dataset.testid = 'top-query-row';

    const fp = document.createElement('td');
    const code = document.createElement('code');
    code.textContent = shortFingerprint(r.fingerprint);
    code.title = r.fingerprint;
    fp.append(code);

    const sqlCell = document.createElement('td');
    sqlCell.className = 'sql';
    const short = truncateSql(r.sample);
    if (short === r.sample) {
      const c = document.createElement('code');
      c.textContent = r.sample;
      sqlCell.append(c);
    } else {
      // The whole statement on hover (title) and on click (details), for keyboards and touch too.
      const details = document.createElement('details');
      const summary = document.createElement('summary');
      summary.textContent = short;
      summary.title = r.sample;
      const pre = document.createElement('pre');
      pre.textContent = r.sample;
      details.append(summary, pre);
      sqlCell.append(details);
    }

    const cells = [fp, sqlCell];
    for (const [text, cls, testId, value] of [
      [formatCount(r.queries), 'num', 'top-query-queries', r.queries],
      [formatMoney(r.cost, data.currency), 'num', 'top-query-cost', r.cost],
      [r.users.join(', '), '', 'top-query-users', null],
      [r.lastRunAt ? shortTime(r.lastRunAt) : '', 'when', 'top-query-last', r.lastRunAt],
    ]) {
      const td = document.createElement('td');
      td.textContent = text;
      if (cls) td.className = cls;
      td.dataset.testid = testId;
      if (value !== null) td.dataset.value = String(value);
      if (testId === 'top-query-last' && value) td.title = String(value);
      cells.push(td);
    }
    tr.append(...cells);
    return tr;
  });
  $('top-rows').replaceChildren(...(rows.length ? rows : [emptyRow(6, 'No queries in this period.')]));
}

function renderMigrations(data) {
  const side = (x) => `${x.engine}: ${x.avgMs === null ? '—' : `${x.avgMs.toFixed(1)} ms`}, ${formatCount(x.estimatedBytes)} bytes`;
  const rows = data.migrations.map((m) => {
    const tr = row(
      [`${m.migration.schema}.${m.migration.table}`, m.migration.state, formatCount(m.compared), formatCount(m.mismatches), side(m.old), side(m.new), ''],
      [false, false, true, true, false, false, false],
    );
    tr.dataset.testid = 'migration-row';
    tr.children[3].dataset.testid = 'migration-mismatches';
    tr.children[3].dataset.value = String(m.mismatches);
    const example = m.examples[0];
    if (example) {
      const details = document.createElement('details');
      const summary = document.createElement('summary');
      summary.textContent = example.reason;
      const pre = document.createElement('pre');
      pre.textContent = example.statement;
      details.append(summary, pre);
      tr.children[6].append(details);
    }
    return tr;
  });
  $('migration-rows').replaceChildren(...(rows.length ? rows : [emptyRow(7, 'No table is migrating.')]));
}

const TIME = new Intl.DateTimeFormat(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
const shortTime = (iso) => TIME.format(new Date(iso));

function row(texts, numeric) {
  const tr = document.createElement('tr');
  texts.forEach((text, i) => {
    const td = document.createElement(i === 0 ? 'th' : 'td');
    if (i === 0) td.scope = 'row';
    td.textContent = text;
    if (numeric[i]) td.className = 'num';
    tr.append(td);
  });
  return tr;
}

function emptyRow(span, text) {
  const tr = document.createElement('tr');
  const td = document.createElement('td');
  td.colSpan = span;
  td.className = 'muted';
  td.textContent = text;
  tr.append(td);
  return tr;
}

// ---- wiring ----

$('signin').addEventListener('submit', (e) => void signIn(e));
$('signout').addEventListener('click', () => signOut());
$('team-select').addEventListener('change', (e) => void loadTeam(e.target.value));
$('user').focus();
