// Preloaded into the jsii Node.js kernel by components/provider_imports.py (NODE_OPTIONS=--require).
// @cdktf/provider-aws's lib/index.js requires all of its 2,135 submodules (~430 MB of the kernel's
// memory); this turns each `exports.x = require("./x");` line into a getter that requires the
// submodule on first access. Any other file, or an index of another layout, loads unchanged, and
// CDKTF_EAGER_PROVIDER_IMPORT=1 turns it off (as it does the Python side).
"use strict";
const Module = require("module");
const fs = require("fs");

const INDEX = /[\\/]@cdktf[\\/]provider-aws[\\/](?:.*[\\/])?lib[\\/]index\.js$/;
const EAGER_EXPORT = /^exports\.(\w+) = require\("(\.\/[\w-]+)"\);$/gm;
const loadJavaScript = Module._extensions[".js"];

Module._extensions[".js"] = function (module, filename) {
  if (process.env.CDKTF_EAGER_PROVIDER_IMPORT === "1" || !INDEX.test(filename)) {
    return loadJavaScript(module, filename);
  }
  const source = fs.readFileSync(filename, "utf8");
  if ((source.match(EAGER_EXPORT) || []).length < 100) {
    return loadJavaScript(module, filename);
  }
  const lazy = source.replace(EAGER_EXPORT, (_, name, path) =>
    `Object.defineProperty(exports, ${JSON.stringify(name)}, ` +
    `{ enumerable: true, configurable: true, get: () => require(${JSON.stringify(path)}) });`);
  return module._compile(lazy, filename);
};
