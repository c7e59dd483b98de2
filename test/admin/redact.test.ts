/** Redaction by name and by value shape, from tables (src/admin/_redact.ts). */
import { describe, expect, test } from "bun:test";
import { looksSecret, redact, redactArgv } from "../../src/admin/_redact.ts";

const TOKEN_HEX = "9f86d081884c7d659a2feaa0c55ad015"; // openssl rand -hex 16
const TOKEN_GH = "ghp_R4nd0mT0k3nV4lu3Xq9Zp2Lm8Nb5Vc1Ws7"; // shaped like a GitHub token
const JWT = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U";
const PEM = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n-----END PRIVATE KEY-----";

describe("issue 19 item 6: redaction tables", () => {
  // Names: secret or not. PWD and OLDPWD stay: the shell's working directories.
  const names: [string, boolean][] = [
    ["PASSWORD", true],
    ["DB_PASSWD", true],
    ["DB_PWD", true],
    ["db-pass", true],
    ["PASSPHRASE", true],
    ["AWS_SECRET_ACCESS_KEY", true],
    ["client_secret", true],
    ["HF_TOKEN", true],
    ["accessToken", true],
    ["CREDENTIALS", true],
    ["GOOGLE_APPLICATION_CREDENTIALS", true],
    ["API_KEY", true],
    ["apiKey", true],
    ["OPENAI_APIKEY", true],
    ["PRIVATE_KEY", true],
    ["ENCRYPTION_KEY", true],
    ["AUTH", true],
    ["AUTHORIZATION", true],
    ["OAUTH_CLIENT", true],
    ["--db-password", true],
    ["--ssl-keyfile-password", true],
    ["sslKeyfilePassword", true],
    ["--token", true],
    ["--api-key", true],
    ["PWD", false],
    ["OLDPWD", false],
    ["--ssl-keyfile", false],
    ["sslKeyfile", false],
    ["MODEL_DIR", false],
    ["CUDA_VISIBLE_DEVICES", false],
    ["timeoutKeepAlive", false],
    ["BENTO_POOL", false],
    ["MONKEY", false],
    ["-p", false],
    ["--port", false],
  ];
  for (const [name, secret] of names) {
    test(`name ${name}: ${secret ? "secret" : "shown"}`, () => expect(looksSecret(name)).toBe(secret));
  }

  // Argv forms: [argv, what the view shows].
  const argvs: [string[], string[]][] = [
    [["--db-password", "hunter2"], ["--db-password", "***"]],
    [["--db-password=hunter2"], ["--db-password=***"]],
    [["--x-password", "hunter2", "--port", "8080"], ["--x-password", "***", "--port", "8080"]],
    [["--token", "abc"], ["--token", "***"]],
    [["--api-key", "abc"], ["--api-key", "***"]],
    [["-password", "abc"], ["-password", "***"]],
    [["DB_PASSWD=hunter2"], ["DB_PASSWD=***"]],
    [["CREDENTIALS=abc"], ["CREDENTIALS=***"]],
    // The next item is a flag, not the value: kept.
    [["--password", "--verbose"], ["--password", "--verbose"]],
    // -p is the port for most servers: not read as a password.
    [["-p", "8080"], ["-p", "8080"]],
    [["PWD=/srv/app"], ["PWD=/srv/app"]],
    // Value shapes, whatever the name.
    [["postgres://u:pw@h/db"], ["postgres://***@h/db"]],
    [["--dsn", "x"], ["--dsn", "***"]],
    [["--db", "mysql://root:hunter2@db.internal:3306/app"], ["--db", "mysql://***@db.internal:3306/app"]],
    [["https://ghp_x@github.com/a/b.git"], ["https://***@github.com/a/b.git"]],
    [["-H", "Authorization: Bearer abc.def"], ["-H", "Authorization: Bearer ***"]],
    [["-H", "Authorization: Basic dTpwdw=="], ["-H", "Authorization: Basic ***"]],
    [[TOKEN_HEX], ["***"]],
    [[`--upstream-id=${TOKEN_GH}`], ["--upstream-id=***"]],
    [[JWT], ["***"]],
    [[PEM], ["***"]],
    // Ordinary values stay.
    [["python3", "-m", "uvicorn", "service:app", "--host", "0.0.0.0"], [
      "python3",
      "-m",
      "uvicorn",
      "service:app",
      "--host",
      "0.0.0.0",
    ]],
    [["/tmp/bento-kit-AbC123/runner-iris.sock"], ["/tmp/bento-kit-AbC123/runner-iris.sock"]],
    [["2026-01-31T12:00:00.000Z", "v1.2.3-rc.4"], ["2026-01-31T12:00:00.000Z", "v1.2.3-rc.4"]],
    [["http://127.0.0.1:3000/healthz"], ["http://127.0.0.1:3000/healthz"]],
  ];
  for (const [argv, shown] of argvs) {
    test(`argv ${JSON.stringify(argv).slice(0, 60)}`, () => expect(redactArgv(argv)).toEqual(shown));
  }

  test("objects: keys by name, values by shape, lists as argv", () => {
    const out = redact({
      options: { sslKeyfilePassword: "hunter2", host: "0.0.0.0", dbUrl: "postgres://u:pw@h/db" },
      argv: ["--db-password", "hunter2"],
      nested: [{ TOKEN: "x", id: 3 }],
    });
    expect(out).toEqual({
      options: { sslKeyfilePassword: "***", host: "0.0.0.0", dbUrl: "postgres://***@h/db" },
      argv: ["--db-password", "***"],
      nested: [{ TOKEN: "***", id: 3 }],
    });
  });
});
