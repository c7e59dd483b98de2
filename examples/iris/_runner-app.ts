/**
 * The runner's HTTP route: `POST /predict` rows → class indices (`GET /livez`,
 * `/readyz` and `/healthz` come with bento-kit/worker's serve()).
 */
import { Hono } from "hono";
import type { IrisModel } from "./_model.ts";
import { parseRows } from "./_validate.ts";

export function createRunnerApp(model: Pick<IrisModel, "predict">): Hono {
  const app = new Hono();
  app.post("/predict", async (c) => {
    const parsed = parseRows(await c.req.text());
    if (!parsed.ok) return c.json({ error: parsed.error }, 400);
    return c.json(model.predict(parsed.rows));
  });
  return app;
}
