/*
 * The set-up of the web page's browser tests: a `catena studio` process on a fresh database and a
 * headless Chromium, started before a file's tests and stopped (database removed) after them.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll } from "vitest";
import { launchChromium, type TestBrowser } from "./chromium.ts";
import { type StudioProcess, startStudioProcess } from "./studio-process.ts";

/** A studio process and a browser for one test file. */
export interface StudioPageFixture {
  /** The studio now serving (another process after {@link StudioPageFixture.restart}). */
  readonly studio: StudioProcess;
  readonly browser: TestBrowser;
  /** The file's temporary directory, which holds the database (removed after the file). */
  readonly dir: string;
  /** The studio's database file. */
  readonly dbPath: string;
  /**
   * A new page at `path` of the studio, with a 10 s default timeout (`timeoutMs`) and, when
   * `viewport` is given, that size; `prepare` runs before it loads (to listen for page errors).
   */
  open(
    path: string,
    options?: {
      viewport?: { width: number; height: number };
      timeoutMs?: number;
      prepare?: (page: Page) => void;
    },
  ): Promise<Page>;
  /** Stops the studio; {@link StudioPageFixture.start} brings it back on the same database and port. */
  stop(): Promise<void>;
  /** Starts the studio again on the same database and port (the page keeps its URL). */
  start(): Promise<StudioProcess>;
}

/**
 * Registers the file's `beforeAll` (studio, then Chromium; up to 15 min, as Chromium may be
 * installed first) and `afterAll`. `name` names the temporary directory.
 */
export function useStudioPage(name: string): StudioPageFixture {
  const dir = mkdtempSync(join(tmpdir(), `catena-${name}-`));
  const dbPath = join(dir, "studio.db");
  let studio: StudioProcess | undefined;
  let browser: TestBrowser | undefined;
  let port = 0;
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the ${what} starts in beforeAll`);
    return value;
  };
  const fixture: StudioPageFixture = {
    get studio() {
      return started(studio, "studio");
    },
    get browser() {
      return started(browser, "browser");
    },
    dir,
    dbPath,
    async open(path, options = {}) {
      const page = await fixture.browser.context.newPage();
      if (options.viewport !== undefined) await page.setViewportSize(options.viewport);
      page.setDefaultTimeout(options.timeoutMs ?? 10_000);
      options.prepare?.(page);
      await page.goto(new URL(path, fixture.studio.url).toString());
      return page;
    },
    async stop() {
      port = fixture.studio.port;
      await fixture.studio.stop();
    },
    async start() {
      studio = await startStudioProcess(dbPath, port === 0 ? [] : ["--port", String(port)]);
      return studio;
    },
  };
  beforeAll(async () => {
    studio = await startStudioProcess(dbPath);
    browser = await launchChromium();
  }, 900_000);
  afterAll(async () => {
    await browser?.close();
    await studio?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  return fixture;
}
