/**
 * The dashboard's charts, sent inline with its script (plain SVG, no library:
 * nothing to bundle, the same page on Node, Bun, Deno, npm and JSR). Per pool:
 * request rate, 5xx rate, p99 latency, memory per worker and CPU over the
 * samples of GET /v1/series, then each new one from /v1/series/stream. Crashes,
 * restarts, scale and reload events are vertical marks on every chart of the
 * pool they touch (a reload on every pool), so cause and effect line up.
 * Uses `api`, `el`, `readEvents` and `token` from the dashboard script.
 */
export const CHARTS_SCRIPT = String.raw`
const charts = { samples: [], capacity: 450, marks: [], off: false };
const SVG = "http://www.w3.org/2000/svg";
const MARK_KINDS = { exit: "crash", "give-up": "crash", restart: "restart", scale: "scale", reload: "reload", "spawn-vetoed": "veto" };

function addSeries(s) {
  charts.capacity = s.capacity;
  const newest = charts.samples.length ? charts.samples[charts.samples.length - 1].t : -Infinity;
  s.t.forEach((t, i) => t > newest && charts.samples.push({ t, pools: new Map(s.pools.map((p) => [p.name, {
    rate: p.rate[i], errors: p.errors[i], p99: p.p99[i], rssBytes: p.rssBytes[i], cpu: p.cpu[i],
    workers: p.workers.map((w) => [w.id, w.rssBytes[i]]),
  }])) }));
  charts.samples.splice(0, Math.max(0, charts.samples.length - charts.capacity));
  renderCharts();
}

// A mark for an event that changes a pool: a crash, a restart, a scale, a reload (every pool).
function markEvent(e) {
  let kind = MARK_KINDS[e.type];
  if (!kind || (e.type === "exit" && e.exit.expected) || ((e.type === "restart" || e.type === "reload") && e.phase !== "begin")) return;
  const pool = e.type === "exit" ? e.exit.pool : e.pool;
  const what = e.type === "exit" ? "crash of " + pool + ":" + e.exit.workerId + " (" + (e.exit.signal || "exit " + e.exit.code) + ")"
    : e.type === "scale" ? "scale " + e.pool + " " + e.from + "→" + e.to
    : e.type === "reload" ? "reload: " + e.files.join(", ") : e.type + " " + (pool || "");
  charts.marks.push({ at: e.at, kind, pool, what });
  charts.marks.splice(0, Math.max(0, charts.marks.length - 500));
  renderCharts();
}

// The samples kept, then each new one; after a lost connection, the ones missed first.
async function followSeries() {
  for (;;) {
    try {
      const last = charts.samples.length ? charts.samples[charts.samples.length - 1].t : undefined;
      addSeries(await api("GET", "/v1/series" + (last === undefined ? "" : "?since=" + last)));
      const res = await fetch("/v1/series/stream", { headers: { Authorization: "Bearer " + token } });
      if (res.status === 401) return;
      await readEvents(res, addSeries);
    } catch (e) {
      if (e.message === "unauthorized") return; // the next start() follows again
      if (/no-admin-charts/.test(e.message)) {
        charts.off = true;
        for (const hide of document.querySelectorAll(".legend, .charts")) hide.hidden = true;
        return;
      }
    }
    await new Promise((r) => setTimeout(r, 2000));
  }
}

const fixed = (n, d) => (n >= 100 ? n.toFixed(0) : n.toFixed(d));
const CHARTS = [
  { key: "rate", label: "req/s", lines: (p) => [p.rate], fmt: (v) => fixed(v, 1) },
  { key: "errors", label: "5xx/s", lines: (p) => [p.errors], fmt: (v) => fixed(v, 1) },
  { key: "p99", label: "p99 ms", lines: (p) => [p.p99 == null ? null : p.p99 * 1000], fmt: (v) => fixed(v, 1) },
  { key: "rss", label: "RSS MiB per worker", perWorker: true, fmt: (v) => fixed(v / 1048576, 0) },
  { key: "cpu", label: "CPU cores", lines: (p) => [p.cpu], fmt: (v) => v.toFixed(2) },
];

function renderCharts() {
  if (charts.off) return;
  const samples = charts.samples;
  const last = samples.length ? samples[samples.length - 1].t : Date.now();
  const t1 = Math.max(last, ...charts.marks.slice(-1).map((m) => m.at));
  const t0 = Math.min(samples.length ? samples[0].t : t1, t1 - 60000);
  const x = (t) => ((t - t0) / Math.max(1, t1 - t0)) * 300;
  for (const box of document.querySelectorAll(".charts[data-pool]")) {
    const pool = box.dataset.pool;
    const marks = charts.marks.filter((m) => (m.pool === undefined || m.pool === pool) && m.at >= t0);
    const workerIds = [...new Set(samples.flatMap((s) => (s.pools.get(pool)?.workers || []).map((w) => w[0])))].sort((a, b) => a - b);
    box.replaceChildren(...CHARTS.map((c) => {
      const series = c.perWorker
        ? workerIds.map((id) => samples.map((s) => [s.t, ((s.pools.get(pool)?.workers || []).find((w) => w[0] === id) || [])[1]]))
        : [samples.map((s) => { const p = s.pools.get(pool); return [s.t, p ? c.lines(p)[0] : null]; })];
      return chart(c, series, marks, x, c.perWorker ? workerIds : []);
    }));
  }
}

function chart(c, series, marks, x, names) {
  const values = series.flat().map((p) => p[1]).filter((v) => v != null);
  const max = Math.max(0, ...values);
  const top = max > 0 ? max * 1.15 : 1;
  const y = (v) => 58 - (v / top) * 54;
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 300 60");
  svg.setAttribute("preserveAspectRatio", "none");
  series.forEach((points, i) => {
    // A gap (null) breaks the line: no sample there, nothing drawn.
    for (const run of points.reduce((runs, p) => (p[1] == null ? runs.push([]) : runs[runs.length - 1].push(p), runs), [[]])) {
      if (run.length === 0) continue;
      const line = document.createElementNS(SVG, "polyline");
      line.setAttribute("points", (run.length === 1 ? [run[0], [run[0][0] + 1, run[0][1]]] : run).map((p) => x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1)).join(" "));
      line.setAttribute("class", "line w" + (i % 6));
      svg.append(line);
    }
  });
  for (const m of marks) {
    const line = document.createElementNS(SVG, "line");
    const at = x(m.at).toFixed(1);
    for (const [k, v] of [["x1", at], ["x2", at], ["y1", 0], ["y2", 60]]) line.setAttribute(k, v);
    line.setAttribute("class", "mark " + m.kind);
    line.setAttribute("data-kind", m.kind);
    const title = document.createElementNS(SVG, "title");
    title.textContent = new Date(m.at).toLocaleTimeString() + " " + m.what;
    line.append(title);
    svg.append(line);
  }
  const now = series.map((points) => [...points].reverse().find((p) => p[1] != null)).map((p) => (p ? c.fmt(p[1]) : "-"));
  const legend = names.length ? now.map((v, i) => el("span", { class: "key w" + (i % 6) }, names[i] + ": " + v)) : [el("b", {}, now[0] || "-")];
  return el("figure", { class: "chart", "data-chart": c.key, "data-max": max },
    el("figcaption", {}, c.label + " ", ...legend, el("small", {}, " max " + (values.length ? c.fmt(max) : "-"))), svg);
}
`;
