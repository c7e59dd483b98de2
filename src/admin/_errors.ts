/**
 * HTTP statuses for every control error kind (a new kind without a status
 * does not compile), and the one error body every route answers with.
 */
import type { Context } from "hono";
import type { ControlError } from "../core/control.ts";

export const CONTROL_STATUS = {
  PoolNotFound: 404,
  WorkerNotFound: 404,
  WorkerCountInvalid: 400,
  // The count is sound; the pool's nature (exactly one worker) conflicts with it.
  PoolIsSingleton: 409,
  OperationInProgress: 409,
  // The request was sound; the service could not carry it out (a new worker never became ready).
  RolloutFailed: 500,
  // The new supervisor did not start or never became ready; the running one keeps serving.
  UpgradeFailed: 500,
  ServiceStopping: 503,
  // The request was sound; the certificate or key now on disk is not (the old one keeps serving).
  ReloadRefused: 422,
  ReloadStopped: 500,
  HookVetoed: 403,
  HookFailed: 500,
} as const satisfies { readonly [K in ControlError["kind"]]: number };

export type ControlStatus = (typeof CONTROL_STATUS)[ControlError["kind"]];

export interface ErrorBody {
  readonly error: { readonly kind: string; readonly message: string };
}

export function errorBody(kind: string, message: string): ErrorBody {
  return { error: { kind, message } };
}

export function controlErrorBody(error: ControlError): ErrorBody {
  return errorBody(error.kind, error.message);
}

/**
 * Answer with an error. Typed `never` so that a typed route handler accepts it
 * whatever statuses its route declares (the route's `responses` document them).
 */
export function sendError(
  c: Context,
  status: ControlStatus | 400 | 401 | 404 | 413 | 415 | 503,
  body: ErrorBody,
): never {
  return c.json(body, status) as never;
}

export function sendControlError(c: Context, error: ControlError): never {
  return sendError(c, CONTROL_STATUS[error.kind], controlErrorBody(error));
}
