// Loads npm packages from their bundles in dist/deps/ (`pnpm build`: scripts/bundle-dependencies.ts):
// zod is ~95 files and Node's loader spends ~0.5 ms on each at start-up, more than zod's code takes
// to run. Plain JavaScript that old Node versions can parse, as the rest of bin/.
import { readFileSync, statSync } from "node:fs";
import * as nodeModule from "node:module";

/**
 * Redirects Node's resolution of the installed files that dist/deps/redirects.json lists (each
 * entry file of zod and xstate that `import` resolves to) to their bundles, for every importer in
 * this thread: one copy of each package still, loaded from a few files. Does nothing on a Node
 * without `module.registerHooks` (before 22.15) or without the bundles (not built). A dependency
 * whose installed version is not the one bundled, or whose bundle is missing, loads as installed.
 * `deps` is the folder of the bundles and their redirects.json (tests give another).
 */
export function useDependencyBundles(deps = new URL("../dist/deps/", import.meta.url)) {
  if (typeof nodeModule.registerHooks !== "function") return;
  let redirects;
  try {
    redirects = JSON.parse(readFileSync(new URL("redirects.json", deps), "utf8"));
  } catch {
    return;
  }
  /** Installed entry URL -> [its bundle's URL, the dependency]. */
  const routes = new Map();
  for (const [name, dep] of Object.entries(redirects)) {
    const dir = new URL(`${dep.package}/`, deps);
    for (const [file, bundle] of Object.entries(dep.entries))
      routes.set(new URL(file, dir).href, [new URL(bundle, deps).href, name]);
  }
  /** Dependency -> whether its bundle stands for what is installed (checked on its first import). */
  const usable = new Map();
  const fits = (name) => {
    let ok = usable.get(name);
    if (ok === undefined) {
      const dep = redirects[name];
      try {
        const installed = JSON.parse(readFileSync(new URL(`${dep.package}/package.json`, deps), "utf8"));
        ok = installed.version === dep.version && statSync(new URL(`${name}/`, deps)).isDirectory();
      } catch {
        ok = false;
      }
      usable.set(name, ok);
    }
    return ok;
  };
  nodeModule.registerHooks({
    resolve(specifier, context, next) {
      const resolved = next(specifier, context);
      const route = routes.get(resolved.url);
      return route !== undefined && fits(route[1]) ? { ...resolved, url: route[0] } : resolved;
    },
  });
}
