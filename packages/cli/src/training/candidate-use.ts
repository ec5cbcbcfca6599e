import { relative, sep } from "node:path";
import { CONFIG_FILE } from "../chains/read-config.ts";

/**
 * How to try a candidate version (`id`, its chain module at `module`) and make it the chain's
 * current version: the lines `catena train` and `catena calibrate` end their report with. `dev` is
 * the labelled dev file to try it on, when the user gave one.
 */
export function candidateUse(cwd: string, id: string, module: string, dev: string | undefined): string[] {
  const rel = relative(cwd, module).split(sep).join("/");
  const entry = rel.startsWith("..") ? module : `./${rel}`;
  return [
    `This is ${id}, a candidate version of the chain; the installed one is unchanged. Next:`,
    `  try it:      catena eval ${id} --chains ${entry} --data ${dev ?? "<labelled dev file>"}`,
    `  adopt it:    add "${entry}" to "chains" in ${CONFIG_FILE}, then catena lock (the bare name then runs it)`,
  ];
}
