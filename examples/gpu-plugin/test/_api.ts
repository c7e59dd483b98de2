/** The integration test's API worker: answers every request with its worker id. */
import { getWorkerId, serve } from "bento-kit/worker";

await serve(() => new Response(`api ${getWorkerId()}`));
