/**
 * The dashboard's script, sent inline (no build step). It holds no data until
 * it has the token (from the URL fragment `#token=...`, which browsers never
 * send, or typed into the form), then calls the JSON routes with
 * `Authorization: Bearer` and follows /v1/events with fetch and a stream
 * reader (EventSource cannot send headers), from the first event kept. Every
 * value is written with textContent: nothing from the server is parsed as
 * HTML. The charts are `_dashboard-charts.ts`, sent in the same script.
 */
export const DASHBOARD_SCRIPT = String.raw`
const $ = (sel) => document.querySelector(sel);
let token = new URLSearchParams(location.hash.slice(1)).get("token") || sessionStorage.getItem("bento-token");
if (location.hash.includes("token=")) history.replaceState(null, "", location.pathname);
let lastEventId;
let refreshTimer;
let refreshEvery;

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, String(v));
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(c == null ? "" : String(c)));
  return node;
}

async function api(method, path, body) {
  const used = token;
  const res = await fetch(path, {
    method,
    headers: Object.assign({ Authorization: "Bearer " + used }, body === undefined ? {} : { "Content-Type": "application/json" }),
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  // A refusal of a token since replaced (an answer still on its way when the right one was typed) changes nothing.
  if (res.status === 401) { if (used === token) askToken("That token was refused."); throw new Error("unauthorized"); }
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error((json.error && json.error.message) || res.status + " " + res.statusText);
  return json;
}

function duration(ms) {
  if (ms == null) return "-";
  const s = Math.floor(ms / 1000);
  return s < 60 ? s + "s" : s < 3600 ? Math.floor(s / 60) + "m" + String(s % 60).padStart(2, "0") + "s" : Math.floor(s / 3600) + "h" + String(Math.floor(s / 60) % 60).padStart(2, "0") + "m";
}
const mib = (n) => (n == null ? "-" : (n / 1048576).toFixed(1) + " MiB");

function say(text, isError) {
  const status = $("#status");
  status.textContent = text;
  status.className = isError ? "error" : "";
}

function renderService(s) {
  $("#service-name").textContent = s.name;
  $("#service-meta").textContent = s.command + " on " + s.runtime + ", pid " + s.pid + ", up " + duration(s.uptimeMs) +
    ", bento-kit " + s.version + " — " + s.sockets.map((k) => k.name + " " + k.address).join(", ");
}

// Sections are updated in place, so a number being typed or a button in use survives the live updates.
function renderPools(pools) {
  const root = $("#pools");
  for (const section of [...root.children]) if (!pools.some((p) => p.name === section.dataset.pool)) section.remove();
  for (const p of pools) {
    let section = [...root.children].find((s) => s.dataset.pool === p.name);
    if (!section) {
      root.append(section = poolSection(p));
      renderCharts();
    }
    section.querySelector("h2 small").textContent = " " + p.role + " · " + p.ready + "/" + p.target + " ready" + (p.busy ? " · " + p.busy + " in progress" : "");
    section.querySelector("tbody").replaceChildren(...p.workers.map((w) => el("tr", { "data-worker-id": w.id },
      el("td", {}, w.id), el("td", { class: "pid" }, w.pid == null ? "-" : w.pid), el("td", { class: "state " + w.state }, w.state),
      el("td", {}, duration(w.uptimeMs)), el("td", {}, w.restarts), el("td", {}, mib(w.rssBytes)),
      el("td", {}, w.cpuSeconds == null ? "-" : w.cpuSeconds.toFixed(1) + "s"), el("td", {}, w.lastExit ? w.lastExit.reason : "-"))));
  }
}

function poolSection(p) {
  const enc = encodeURIComponent(p.name);
  const count = el("input", { type: "number", min: 1, value: p.target, "aria-label": "workers of " + p.name, "data-role": "workers" });
  const act = (label, action, run) => el("button", { "data-action": action, onclick: async (ev) => {
    const button = ev.currentTarget;
    button.disabled = true;
    say(label + " " + p.name + "…");
    try { await run(); say(label + " " + p.name + ": done"); } catch (e) { say(label + " " + p.name + ": " + e.message, true); }
    button.disabled = false;
    refresh();
  } }, label);
  return el("section", { class: "pool", "data-pool": p.name },
    el("h2", {}, p.name, el("small", {})),
    el("div", { class: "actions" },
      act("Rolling restart", "rolling", () => api("POST", "/v1/pools/" + enc + "/restart")),
      count, act("Scale", "scale", () => api("POST", "/v1/pools/" + enc + "/scale", { workers: Number(count.value) }))),
    el("div", { class: "charts", "data-pool": p.name }),
    el("div", { class: "table" }, el("table", {}, el("thead", {}, el("tr", {}, ...["worker", "pid", "state", "uptime", "restarts", "RSS", "CPU", "last exit"].map((h) => el("th", {}, h)))),
      el("tbody", {}))));
}

async function refresh() {
  try {
    const [service, pools] = await Promise.all([api("GET", "/v1/service"), api("GET", "/v1/pools")]);
    renderService(service);
    renderPools(pools.pools);
  } catch (e) {
    if (e.message !== "unauthorized") say("Cannot read the service: " + e.message, true);
  }
}

function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 150);
}

// The timeline, newest first; from the supervisor's first spawn (the first connection asks for every buffered event).
function logEvent(e) {
  const list = $("#events");
  const id = e.workerId || (e.exit && e.exit.workerId);
  const what = e.type + " " + (e.pool || (e.exit && e.exit.pool) || "") + (id ? ":" + id : "") + ((e.pid || (e.exit && e.exit.pid)) ? " pid " + (e.pid || e.exit.pid) : "") + (e.reason ? " — " + e.reason : "") + (e.phase ? " " + e.phase : "") + (e.type === "scale" ? " " + e.from + "→" + e.to : "");
  const crash = e.type === "give-up" || (e.type === "exit" && !e.exit.expected);
  list.prepend(el("li", { "data-type": e.type, class: crash ? "crash" : e.type }, new Date(e.at).toLocaleTimeString() + " #" + e.id + " " + what));
  while (list.children.length > 200) list.lastChild.remove();
  markEvent(e);
}

// Server-Sent Events over fetch (EventSource cannot send the token): each event's data, parsed, until the stream ends.
async function readEvents(res, onEvent) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value;
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const data = buffer.slice(0, end).split("\n").filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
      buffer = buffer.slice(end + 2);
      if (data) onEvent(JSON.parse(data));
    }
  }
}

async function follow() {
  for (;;) {
    try {
      const used = token;
      const res = await fetch("/v1/events", { headers: { Authorization: "Bearer " + used, "Last-Event-ID": String(lastEventId || 0) } });
      if (res.status === 401) return used === token ? askToken("That token was refused.") : undefined;
      $("#live").textContent = "live";
      await readEvents(res, (event) => {
        lastEventId = event.id;
        logEvent(event);
        refreshSoon();
      });
    } catch (e) { /* reconnect below */ }
    $("#live").textContent = "reconnecting…";
    await new Promise((r) => setTimeout(r, 1000));
  }
}

function askToken(message) {
  $("#login").hidden = false;
  $("#main").hidden = true;
  $("#login-message").textContent = message || "";
}

$("#login").addEventListener("submit", (ev) => {
  ev.preventDefault();
  token = $("#token").value.trim();
  sessionStorage.setItem("bento-token", token);
  start();
});

function start() {
  $("#login").hidden = true;
  $("#main").hidden = false;
  refresh();
  follow();
  followSeries();
  clearInterval(refreshEvery);
  refreshEvery = setInterval(refresh, 5000);
}

if (token) { sessionStorage.setItem("bento-token", token); start(); } else askToken();
`;
