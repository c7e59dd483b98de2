/** The `serve` flags for working on a service: `--development`, `--reload` and its patterns. */
export const devArgs = {
  development: {
    type: "boolean",
    description:
      "Development mode: one worker per pool (the API pool keeps --api-workers if given), host 127.0.0.1 unless " +
      "--host, BENTO_HOST or the manifest says otherwise, API workers keep stdin (a debugger can read the terminal), debug logs",
  },
  reload: {
    type: "boolean",
    description:
      "Reload on change: watch the service directory and --working-dir; a saved module rolls the pools that import " +
      "it (any other file: every pool), runners first, then the API pool, each new worker ready before the old one stops; a saved " +
      "manifest is checked, then applied. A change that breaks a worker leaves the running workers serving (docs/development.md)",
  },
  "reload-include": {
    type: "string",
    valueHint: "GLOBS",
    description:
      "With --reload: comma-separated patterns (.gitignore syntax) of files that reload even when .gitignore or " +
      "--reload-exclude ignore them, e.g. 'models/*.json'",
  },
  "reload-exclude": {
    type: "string",
    valueHint: "GLOBS",
    description:
      "With --reload: comma-separated patterns (.gitignore syntax) of files that never reload, e.g. '*.log,data/' " +
      "(besides the service directory's .gitignore; .git, node_modules, __pycache__, .venv and *.pyc never reload)",
  },
} as const;
