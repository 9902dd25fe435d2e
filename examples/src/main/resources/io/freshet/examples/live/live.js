// The fraud demo's live page: polls /live/series.json once a second and redraws three uPlot charts and the status
// tiles. No framework, nothing loaded from anywhere but the demo itself.
'use strict';

const STAGES = [
  ['eventToBroker', 'event \u2192 broker', '#2563eb'],
  ['brokerToPoll', 'broker \u2192 poll', '#d97706'],
  ['pollToApplied', 'poll \u2192 applied', '#059669'],
  ['produceToReadable', 'produce \u2192 readable (probe)', '#9333ea'],
];
// A log scale cannot show 0: a stage faster than the 1 µs resolution is drawn at 1 µs.
const LOG_FLOOR_MS = 0.001;
const WIDTH = 560;
const HEIGHT = 240;
const fmt = new Intl.NumberFormat('en-US');

function xAxis() {
  return { label: 'seconds since production started', size: 40 };
}

function makeFreshness(el) {
  const series = [{ label: 's' }];
  for (const [, name, color] of STAGES) {
    series.push({ label: name + ' p99', stroke: color, width: 2, value: (u, v) => fmtMs(v) });
  }
  for (const [, name, color] of STAGES) {
    series.push({ label: name + ' p50', stroke: color, width: 1, dash: [6, 4], value: (u, v) => fmtMs(v) });
  }
  return new uPlot({
    width: WIDTH, height: HEIGHT + 40, legend: { live: false },
    scales: { x: { time: false }, y: { distr: 3 } },
    series,
    axes: [xAxis(), { label: 'ms', size: 60, values: (u, vals) => vals.map(fmtMs) }],
  }, [[]].concat(series.slice(1).map(() => [])), el);
}

function makeSimple(el, defs, yLabel) {
  const series = [{ label: 's' }].concat(defs.map(([label, color]) => ({
    label, stroke: color, width: 2, value: (u, v) => v == null ? '\u2013' : fmt.format(v),
  })));
  return new uPlot({
    width: WIDTH, height: HEIGHT, legend: { live: false },
    // Counts: a flat zero line still gets whole-number ticks.
    scales: { x: { time: false }, y: { range: (u, min, max) => [0, Math.max(max, 10) * 1.1] } },
    series,
    axes: [xAxis(), { label: yLabel, size: 70, values: (u, vals) => vals.map((v) => fmt.format(v)) }],
  }, [[]].concat(defs.map(() => [])), el);
}

function fmtMs(v) {
  if (v == null) return '\u2013';
  if (v >= 100) return fmt.format(Math.round(v));
  if (v >= 1) return v.toFixed(1);
  return v.toPrecision(2);
}

const charts = {
  freshness: makeFreshness(document.getElementById('chart-freshness')),
  rate: makeSimple(document.getElementById('chart-rate'),
    [['produced/s', '#2563eb'], ['applied/s', '#059669']], 'records/s'),
  lag: makeSimple(document.getElementById('chart-lag'), [['lag', '#b91c1c']], 'records'),
};

function floorLog(a) {
  return a.map((v) => (v == null ? null : Math.max(v, LOG_FLOOR_MS)));
}

function setValue(id, raw, text) {
  const el = document.getElementById(id);
  el.dataset.value = raw == null ? '' : String(raw);
  el.textContent = text;
}

function render(doc) {
  const s = doc.series;
  const points = s.t.length;
  const fresh = [s.t];
  for (const [key] of STAGES) fresh.push(floorLog(s.p99Ms[key]));
  for (const [key] of STAGES) fresh.push(floorLog(s.p50Ms[key]));
  charts.freshness.setData(fresh);
  charts.rate.setData([s.t, s.producedPerS, s.appliedPerS]);
  charts.lag.setData([s.t, s.lag]);
  for (const id of ['chart-freshness', 'chart-rate', 'chart-lag']) {
    document.getElementById(id).dataset.points = String(points);
  }
  const l = doc.latest;
  if (l) {
    const state = document.getElementById('state');
    setValue('state', l.state, l.state);
    state.className = 'value state-' + l.state;
    document.getElementById('reason').textContent = l.reason || '';
    setValue('produced', l.produced, fmt.format(l.produced));
    setValue('applied', l.applied, fmt.format(l.applied));
    setValue('lag', l.lag, l.lag < 0 ? 'unknown' : fmt.format(l.lag));
    // The last second with a probe: after the run, the final point has none.
    const probes = s.p99Ms.produceToReadable.filter((v) => v != null);
    const p99 = probes.length ? probes[probes.length - 1] : null;
    setValue('fresh-p99', p99, p99 == null ? '\u2013' : fmtMs(p99) + ' ms');
    setValue('store-rows', l.storeRows, fmt.format(l.storeRows));
    document.getElementById('store-capacity').textContent = 'rows of ' + fmt.format(l.storeCapacity);
    setValue('bad-records', l.badRecords, fmt.format(l.badRecords));
  }
  renderBackfill(doc.backfill);
  const updated = document.getElementById('updated');
  updated.dataset.seq = String(doc.seq);
  updated.dataset.finished = String(doc.finished);
  updated.textContent = (doc.finished ? 'run over: production stopped, ' : 'live: ') + fmt.format(doc.seq)
    + ' seconds so far' + (l ? ', last at ' + l.seconds.toFixed(1) + ' s' : '');
}

// Backfill progress: {done, total, state} once the pipeline reports one; the panel stays hidden until then.
function renderBackfill(b) {
  const panel = document.getElementById('backfill');
  if (!b) {
    panel.hidden = true;
    return;
  }
  panel.hidden = false;
  const pct = b.total > 0 ? Math.min(100, (100 * b.done) / b.total) : 0;
  document.getElementById('backfill-bar').style.width = pct.toFixed(1) + '%';
  document.getElementById('backfill-text').textContent =
    fmt.format(b.done) + ' of ' + fmt.format(b.total) + ' (' + pct.toFixed(1) + '%) ' + (b.state || '');
}

async function poll() {
  const error = document.getElementById('error');
  try {
    const r = await fetch('/live/series.json', { cache: 'no-store' });
    if (!r.ok) throw new Error('GET /live/series.json answered ' + r.status);
    render(await r.json());
    error.hidden = true;
  } catch (e) {
    error.hidden = false;
    error.textContent = 'cannot update: ' + e.message + ' (is the demo still running?)';
  }
}

poll();
setInterval(poll, 1000);
