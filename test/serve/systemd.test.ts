import { afterEach, expect, setDefaultTimeout, test } from "bun:test";
import { alive, cleanup, CLEANUP_MS, serve, serviceTestMs } from "../_helpers/serve-process.ts";

// A test here starts a service: bun's 5 s default is less than a loaded machine takes to start one.
setDefaultTimeout(serviceTestMs());

afterEach(cleanup, CLEANUP_MS);

interface Info {
  pid: number;
  grandchild: number;
  workerId: string;
  fdNames: string;
  runnerMap: string | null;
  argv: string[];
  custom: string | null;
}

test(
  "a worker reading LISTEN_FDS/LISTEN_PID like sd_listen_fds gets its socket with no placeholder in argv",
  async () => {
    const s = await serve("node", "test/_fixtures/sd-service");
    for (const worker of ["runner:echo:1", "runner:echo:2", "api_server:1", "api_server:2"]) {
      await s.waitForOutput(new RegExp(`\\[${worker}\\] sd worker \\d listening`));
    }
    const seen = new Map<number, Info>();
    for (let i = 0; i < 50 && seen.size < 2; i++) {
      const infos = await Promise.all(
        Array.from(
          { length: 6 },
          async () =>
            (await fetch(`http://127.0.0.1:${s.port}/`, { headers: { connection: "close" } })).json() as Promise<Info>,
        ),
      );
      for (const info of infos) {
        seen.set(info.pid, info);
      }
    }
    const api = [...seen.values()];
    expect(api.map((i) => i.workerId).sort()).toEqual(["1", "2"]);
    for (const info of api) {
      expect(info.argv).toEqual([]);
      expect(info.fdNames).toBe("api");
      expect(JSON.parse(info.runnerMap!)).toEqual({ echo: expect.stringMatching(/^unix:\/\/\/.*\/echo\.sock$/) });
    }

    // The runner's socket from the runner map: worker id placeholder, per-worker env, fd name.
    const path = JSON.parse(api[0]!.runnerMap!).echo.slice("unix://".length);
    const runners = new Map<string, Info>();
    for (let i = 0; i < 50 && runners.size < 2; i++) {
      const infos = await Promise.all(Array.from({ length: 6 }, () => getUnix(path)));
      for (const info of infos) runners.set(info.workerId, info);
    }
    expect(runners.get("1")).toMatchObject({ argv: ["--worker=1"], custom: "gpu0", fdNames: "echo", runnerMap: null });
    expect(runners.get("2")).toMatchObject({ argv: ["--worker=2"], custom: "gpu1" });

    // Stop reaches the grandchildren the workers started.
    const grandchildren = [...api, ...runners.values()].map((i) => i.grandchild);
    expect(grandchildren.every(alive)).toBe(true);
    const everything = s.descendants();
    expect(everything).toEqual(expect.arrayContaining(grandchildren));
    expect(await s.stop("SIGTERM")).toBe(0);
    expect(everything.filter(alive)).toEqual([]);
    expect(await s.leftovers()).toEqual([]);
  },
  40_000,
);

async function getUnix(socketPath: string): Promise<Info> {
  const { request } = await import("node:http");
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path: "/", agent: false }, (res) => {
      let body = "";
      res.on("data", (d) => (body += d));
      res.on("end", () => resolve(JSON.parse(body)));
    });
    req.on("error", reject);
    req.end();
  });
}
