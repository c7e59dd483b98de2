/**
 * The path of an absolute request URL (`http://host/path?query`), without
 * query or fragment, and without parsing it: `new URL()` per request was
 * about 2 % of an API worker's CPU under load (`--cpu-prof`). Not decoded.
 */
export function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  for (let i = start; i < url.length; i++) {
    const c = url.charCodeAt(i);
    if (c === 0x3f || c === 0x23) return url.slice(start, i); // ? or #
  }
  return start === 0 ? url : url.slice(start);
}

let lastRequest: Request | undefined;
let lastPath = "/";

/**
 * `pathOf(request.url)`, remembered for the last request asked about: the
 * metrics and health wrappers ask in turn for the same request (on Bun
 * `request.url` makes a new string each time).
 */
export function requestPath(request: Request): string {
  if (request !== lastRequest) (lastRequest = request, lastPath = pathOf(request.url));
  return lastPath;
}
