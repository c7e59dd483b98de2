// A .mjs manifest (plain JavaScript); the worker path is absolute because
// --working-dir moves the workers' cwd elsewhere.
const worker = new URL("../contract-worker.mjs", import.meta.url).pathname;

export default {
  name: "contract",
  api: {
    command: [
      "node",
      worker,
      "{fd}",
      "{fd:api}",
      "{worker_id}",
      "{runner_map}",
      "{working_dir}",
      "{host}",
      "{port}",
      "{backlog}",
      "{timeout}",
      "{timeout_keep_alive}",
      "{timeout_graceful_shutdown}",
      "{service}",
    ],
    workers: 1,
  },
  // Defaults for {timeout} and {timeout_keep_alive}; flags beat them.
  serve: { timeout: 60, timeoutKeepAlive: 9 },
  runners: { m: { command: ["node", worker, "{fd}", "{fd:m}", "{worker_id}", "{service}"], workers: 1 } },
};
