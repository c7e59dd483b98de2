/** The request path the health routes, metrics and access log go by (src/worker/_path.ts). */
import { expect, test } from "bun:test";
import { pathOf, requestPath } from "../../src/worker/_path.ts";

test("pathOf: the path of an absolute URL, without query or fragment, not decoded", () => {
  expect(pathOf("http://127.0.0.1:3000/classify")).toBe("/classify");
  expect(pathOf("http://h/a/b?x=1#f")).toBe("/a/b");
  expect(pathOf("https://h:1/a#f?x")).toBe("/a");
  expect(pathOf("http://h/%7Euser?")).toBe("/%7Euser");
  expect(pathOf("http://h")).toBe("/");
  expect(pathOf("http://h/")).toBe("/");
});

test("requestPath: each request's own path, also when asked again for the one before", () => {
  const a = new Request("http://h/a?q");
  const b = new Request("http://h/b");
  expect([requestPath(a), requestPath(a), requestPath(b), requestPath(a)]).toEqual(["/a", "/a", "/b", "/a"]);
});
