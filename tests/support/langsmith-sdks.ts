/*
 * The published `langsmith` JS SDKs the studio is checked against, installed side by side under
 * npm aliases (tests/package.json): 0.1 (JSON example routes, comma-joined run ids, readRun trees
 * from `child_run_ids`, untyped `/runs/stats` bodies), 0.3 (multipart examples, attachments, the
 * split routes of its time) and the current one. They differ on the wire, not much in their API,
 * so every one is driven through the oldest one's types.
 */
import { createRequire } from "node:module";
import { Client } from "langsmith";
import { evaluate } from "langsmith/evaluation";
import { RunTree } from "langsmith/run_trees";
import { traceable } from "langsmith/traceable";
import { Client as Client01 } from "langsmith-0.1";
import { evaluate as evaluate01 } from "langsmith-0.1/evaluation";
import { RunTree as RunTree01 } from "langsmith-0.1/run_trees";
import { traceable as traceable01 } from "langsmith-0.1/traceable";
import { Client as Client03 } from "langsmith-0.3";
import { evaluate as evaluate03 } from "langsmith-0.3/evaluation";
import { RunTree as RunTree03 } from "langsmith-0.3/run_trees";
import { traceable as traceable03 } from "langsmith-0.3/traceable";

/** One SDK version's entry points, typed as 0.1's (the API all of them still offer). */
export interface LangsmithSdk {
  /** The installed version, e.g. `0.1.68`. */
  version: string;
  Client: typeof Client01;
  RunTree: typeof RunTree01;
  traceable: typeof traceable01;
  evaluate: typeof evaluate01;
  /** Whether its runs can carry attachments (0.2 and later). */
  attachments: boolean;
}

const require = createRequire(import.meta.url);
const versionOf = (name: string): string => (require(`${name}/package.json`) as { version: string }).version;

// Newer classes have more (and private) members, so they are not assignable as they are: the
// calls the tests make are the ones 0.1 declares, which every later version keeps.
const asOldest = <T>(value: unknown): T => value as T;

/** The SDKs, oldest first. */
export const langsmithSdks: readonly LangsmithSdk[] = [
  {
    version: versionOf("langsmith-0.1"),
    Client: Client01,
    RunTree: RunTree01,
    traceable: traceable01,
    evaluate: evaluate01,
    attachments: false,
  },
  {
    version: versionOf("langsmith-0.3"),
    Client: asOldest(Client03),
    RunTree: asOldest(RunTree03),
    traceable: asOldest(traceable03),
    evaluate: asOldest(evaluate03),
    attachments: true,
  },
  {
    version: versionOf("langsmith"),
    Client: asOldest(Client),
    RunTree: asOldest(RunTree),
    traceable: asOldest(traceable),
    evaluate: asOldest(evaluate),
    attachments: true,
  },
];
