/**
 * `GET /`: the dashboard, one page with its style and script inline. The page
 * itself holds no data (it needs no auth); its script asks for the token.
 */
import { DASHBOARD_SCRIPT } from "./_dashboard-script.ts";

const STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #1d2330; background: #f6f7f9; }
header { display: flex; align-items: baseline; gap: 1rem; flex-wrap: wrap; }
h1 { font-size: 1.4rem; margin: 0; } h2 { font-size: 1.1rem; margin: 0 0 .5rem; } small { color: #667; font-weight: normal; }
#live { color: #2a7; } #status { min-height: 1.4em; margin: .5rem 0; } #status.error { color: #c33; }
.pool { background: #fff; border: 1px solid #dde; border-radius: 6px; padding: 1rem; margin: 1rem 0; }
.actions { display: flex; gap: .5rem; margin-bottom: .5rem; } .actions input { width: 4rem; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .25rem .6rem; border-bottom: 1px solid #eef; }
.state.ready { color: #2a7; } .state.starting, .state.stopping { color: #b80; } .state.backoff, .state.stopped, .state.vetoed { color: #c33; }
#events { font: 12px/1.5 ui-monospace, monospace; max-height: 16rem; overflow: auto; padding-left: 1rem; }
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
  <div id="pools"></div>
  <h2>Events</h2>
  <ol id="events" reversed></ol>
</div>
<script>${DASHBOARD_SCRIPT}</script>
</body>
</html>
`;
