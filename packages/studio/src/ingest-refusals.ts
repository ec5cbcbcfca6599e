import { MAX_JSON_DEPTH } from "./http/json-depth.ts";

/** One run (or feedback) the studio refused to store while it stored the rest of its request. */
export interface IngestRefusal {
  /** When, as an ISO timestamp. */
  at: string;
  /** The request, e.g. `POST /runs/batch`. */
  route: string;
  /** The refused run's id, or the feedback's; empty for a request refused whole (its body unread). */
  id: string;
  /** Why, naming the field and the limit. */
  detail: string;
}

/** What `GET /info` shows under `catena`: the limits and the refusals since the studio started. */
export interface IngestRefusalSummary {
  limits: { json_depth: number };
  refused: { count: number; recent: IngestRefusal[] };
}

const RECENT = 20;

/**
 * The runs the studio refused one by one (too deep, malformed dotted order), so that a refusal is never silent although the
 * SDK ignores the body of a 202: each is logged (`log`, by default to stderr) and counted, and the
 * count with the last 20 is shown on `GET /info` as `catena.refused`. Counted since the studio
 * started.
 */
export class IngestRefusals {
  readonly #log: (line: string) => void;
  #count = 0;
  readonly #recent: IngestRefusal[] = [];

  constructor(log: (line: string) => void = (line) => console.warn(line)) {
    this.#log = log;
  }

  /** Records and logs a refusal; returns it for the response body. */
  record(route: string, id: string, detail: string): IngestRefusal {
    return this.#add(route, id, detail, `refused ${id} and stored the rest of the request`);
  }

  /**
   * Records and logs a run stored with parts dropped for their size (`detail` says which and how
   * to keep them); counted and listed with the refusals.
   */
  dropped(route: string, id: string, detail: string): IngestRefusal {
    return this.#add(route, id, detail, `stored run ${id} without what was too large`);
  }

  /**
   * Records and logs a run upload refused whole for its size (a 413: `detail` names the limit and
   * what to do); its runs were not stored. Counted and listed with the refusals, with no id: the
   * body was not read. `detail` starts with the route, so the log line does not repeat it.
   */
  refusedBody(route: string, detail: string): IngestRefusal {
    const what = route.startsWith("PATCH") ? "the update was not stored" : "its runs were not stored";
    return this.#add(route, "", detail, `refused the whole request, ${what}`, false);
  }

  #add(route: string, id: string, detail: string, outcome: string, logRoute = true): IngestRefusal {
    const refusal = { at: new Date().toISOString(), route, id, detail };
    this.#count++;
    this.#recent.push(refusal);
    if (this.#recent.length > RECENT) this.#recent.shift();
    this.#log(`catena studio: ${logRoute ? `${route}: ` : ""}${outcome}: ${detail}`);
    return refusal;
  }

  /** The limits and the refusals so far. */
  summary(): IngestRefusalSummary {
    return {
      limits: { json_depth: MAX_JSON_DEPTH },
      refused: { count: this.#count, recent: [...this.#recent] },
    };
  }
}
