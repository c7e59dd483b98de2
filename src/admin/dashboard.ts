/**
 * `GET /`: the dashboard, one page with its style and script inline. The page
 * itself holds no data (it needs no auth); its script asks for the token.
 */
import { CHARTS_SCRIPT } from "./_dashboard-charts.ts";
import { DASHBOARD_SCRIPT } from "./_dashboard-script.ts";

const STYLE = `
:root { color-scheme: light dark; --fg: #1d2330; --muted: #667; --bg: #f6f7f9; --card: #fff; --line: #dde; --rule: #eef;
  --ok: #1a7f4b; --warn: #a06800; --bad: #c33; --w0: #2563eb; --w1: #0f9d8a; --w2: #9333ea; --w3: #d97706; --w4: #db2777; --w5: #4b5563; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e3e6ec; --muted: #99a; --bg: #12151b; --card: #1b2029; --line: #2c3340; --rule: #252b36;
    --ok: #4ade80; --warn: #fbbf24; --bad: #f87171; --w0: #60a5fa; --w1: #2dd4bf; --w2: #c084fc; --w3: #fbbf24; --w4: #f472b6; --w5: #9ca3af; }
}
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: var(--fg); background: var(--bg); }
header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; }
h1 { font-size: 1.4rem; margin: 0; } h2 { font-size: 1.1rem; margin: 0 0 .5rem; } small, figcaption small { color: var(--muted); font-weight: normal; }
#live { color: var(--ok); } #status { min-height: 1.4em; margin: .5rem 0; } #status.error { color: var(--bad); }
.pool { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: 1rem; margin: 1rem 0; }
.actions { display: flex; gap: .5rem; margin-bottom: .5rem; flex-wrap: wrap; } .actions input { width: 4rem; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(190px, 1fr)); gap: .5rem 1rem; margin: .5rem 0 .75rem; }
.chart { margin: 0; min-width: 0; } .chart figcaption { font-size: 12px; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.chart figcaption b { margin-left: .25rem; } .chart .key { margin-left: .4rem; font-weight: 600; }
.chart svg { display: block; width: 100%; height: 56px; border-bottom: 1px solid var(--line); overflow: visible; }
.chart .line { fill: none; stroke-width: 1.5; vector-effect: non-scaling-stroke; stroke-linejoin: round; }
.w0 { stroke: var(--w0); color: var(--w0); } .w1 { stroke: var(--w1); color: var(--w1); } .w2 { stroke: var(--w2); color: var(--w2); }
.w3 { stroke: var(--w3); color: var(--w3); } .w4 { stroke: var(--w4); color: var(--w4); } .w5 { stroke: var(--w5); color: var(--w5); }
.mark { stroke-width: 1.5; vector-effect: non-scaling-stroke; stroke-dasharray: 3 2; }
.mark.crash { stroke: var(--bad); } .mark.restart { stroke: var(--w0); } .mark.scale { stroke: var(--warn); } .mark.reload { stroke: var(--w2); } .mark.veto { stroke: var(--muted); }
.legend { font-size: 12px; color: var(--muted); } .legend i { display: inline-block; width: 1em; border-top: 2px dashed; margin: 0 .25rem .2em .6rem; }
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .25rem .6rem; border-bottom: 1px solid var(--rule); white-space: nowrap; }
.state.ready { color: var(--ok); } .state.starting, .state.stopping { color: var(--warn); } .state.backoff, .state.stopped, .state.vetoed { color: var(--bad); }
#events { font: 12px/1.5 ui-monospace, monospace; max-height: 16rem; overflow: auto; padding-left: 2.5rem; }
#events .crash { color: var(--bad); } #events .scale, #events .restart, #events .reload { color: var(--w0); }
input, button { font: inherit; }
@media (max-width: 600px) { body { margin: .75rem; } .pool { padding: .6rem; } .charts { grid-template-columns: 1fr 1fr; } }
`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>bento-kit</title>
<style>${STYLE}</style>
</head>
<body>
<form id="login" hidden>
  <h1>bento-kit</h1>
  <p>The admin token is in the service's instance file (or BENTO_ADMIN_TOKEN); open this page as <code>/#token=...</code> to skip this step.</p>
  <p id="login-message"></p>
  <input id="token" type="password" autocomplete="off" placeholder="admin token" size="70"> <button type="submit">Open</button>
</form>
<div id="main" hidden>
  <header><h1 id="service-name">bento-kit</h1><span id="service-meta"></span><span id="live"></span></header>
  <div id="status"></div>
  <div class="legend">Marks on the charts: <i class="crash" style="color: var(--bad)"></i>crash <i style="color: var(--w0)"></i>restart <i style="color: var(--warn)"></i>scale <i style="color: var(--w2)"></i>reload (hover a mark for what happened; the last 15 minutes, a sample every 2 s)</div>
  <div id="pools"></div>
  <h2>Events <small>since the supervisor started, newest first</small></h2>
  <ol id="events" reversed></ol>
</div>
<script>"use strict";${CHARTS_SCRIPT}${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
