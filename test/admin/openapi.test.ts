/** /openapi.json is generated from the route definitions and is a valid OpenAPI 3 document. */
import { expect, test } from "bun:test";
import { Validator } from "@seriousme/openapi-schema-validator";
import { createAdminApp } from "../../src/admin/app.ts";
import { createFakeControl, fakeServiceInfo } from "./_fake-control.ts";

test("GET /openapi.json validates as OpenAPI 3 and describes every route", async () => {
  const control = createFakeControl();
  const admin = createAdminApp({ control, service: () => fakeServiceInfo(control), token: "t" });
  try {
    const res = await admin.app.request("/openapi.json", { headers: { Authorization: "Bearer t" } });
    expect(res.status).toBe(200);
    const doc = await res.json();
    const result = await new Validator().validate(doc);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(doc.openapi).toMatch(/^3\./);
    const routes = Object.entries(doc.paths as Record<string, object>).flatMap(([path, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`)
    );
    expect(routes.sort()).toEqual([
      "GET /",
      "GET /healthz",
      "GET /v1/events",
      "GET /v1/pools",
      "GET /v1/pools/{pool}",
      "GET /v1/series",
      "GET /v1/series/stream",
      "GET /v1/service",
      "POST /v1/pools/{pool}/restart",
      "POST /v1/pools/{pool}/scale",
      "POST /v1/pools/{pool}/workers/{id}/restart",
      "POST /v1/reload",
      "POST /v1/stop",
      "POST /v1/upgrade",
    ]);
    expect(doc.components.securitySchemes.bearer).toEqual({ type: "http", scheme: "bearer" });
    expect(doc.paths["/healthz"].get.security).toEqual([]);
    expect(doc.paths["/v1/pools/{pool}/scale"].post.responses["400"]).toBeDefined();
    expect(doc.paths["/v1/reload"].post.responses["422"]).toBeDefined();
    expect(doc.components.schemas.Series.properties.pools.items.properties.p99).toBeDefined();
  } finally {
    admin.close();
  }
});
