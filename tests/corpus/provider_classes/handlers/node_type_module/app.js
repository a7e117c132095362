// A .js file that is an ES module because its package.json says "type": "module".
import { basename } from "node:path";

export async function handler(event) {
  console.warn("loaded as", typeof require === "undefined" ? "an ES module" : "CommonJS");
  return { module: typeof require === "undefined" ? "esm" : "commonjs", file: basename(import.meta.url), event };
}
