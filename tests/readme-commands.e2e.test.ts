/*
 * Every `catena …` command shown in a shell block of README.md and packages/*\/README.md, run as
 * written against the BUILT binary, in document order, checking its exit code and key output: the
 * READMEs must not promise what the CLI does not do. Commands run in a temporary directory that
 * holds a link to packages/ (so repository paths work) and the files the examples name; `<runId>`
 * becomes the newest traced run; LLM commands get @catena/testing's server as OPENAI_BASE_URL.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bankingSplit } from "@catena/chains";
import { loadServerScript, type OpenAiTestServer, startOpenAiTestServer } from "@catena/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
import { type CatenaResult, catena, catenaBin, testStudioDb } from "./support/run-catena.ts";

/** A `catena` command found in a README: where, the line as written, and its arguments. */
interface ShownCommand {
  file: string;
  line: string;
  env: Record<string, string>;
  args: string[];
}

/** Commands not run, each with the reason. Keep it short: a README command that cannot run is a bug. */
const SKIPPED: ReadonlyArray<{ match: RegExp; why: string }> = [];

/** What a command must print, by the start of its arguments (the first match wins); exit code 0 unless said. */
const EXPECTED: ReadonlyArray<{ args: RegExp; out: RegExp; code?: number }> = [
  { args: /^--help/, out: /Usage: catena/ },
  { args: /^list/, out: /^support-triage\s+1\.\d+\.\d+\s/m },
  { args: /^describe support-triage/, out: /Input schema/ },
  {
    args: /^run support-triage --text Where is order ORD-102938\?$/,
    out: /"queue": "shipping"[\s\S]*"orderIds": \[\s*"ORD-102938"/,
  },
  {
    args: /^run support-triage --input .*charged twice.* --json/,
    out: /"status": "done"[\s\S]*"queue": "billing"/,
  },
  { args: /^run support-triage --file ticket\.txt/, out: /"queue": "technical"/ },
  { args: /^run sql-qa/, out: /"answer": "There were 23 orders in March 2026\."/ },
  { args: /^batch support-triage/, out: /results/ },
  { args: /^lock --check/, out: /lock/ },
  { args: /^lock/, out: /wrote catena\.lock\.json/ },
  // The quick start lists traces before anything ran here (in the README, the main job ran before).
  { args: /^traces$/, out: /^No traced runs|banking-intents@|support-triage@/ },
  { args: /^traces/, out: /support-triage@/ },
  { args: /^trace /, out: /^input {3}\{"text":/m },
  { args: /^feedback stats/, out: /feedback "rating"/ },
  { args: /^feedback config /, out: /categorical/ },
  { args: /^feedback \S+ --key correction/, out: /Feedback "correction" recorded/ },
  { args: /^feedback /, out: /rating/ },
  { args: /^train banking-intents --from-traces .*--promote/, out: /gate:/, code: 1 },
  {
    args: /^train banking-intents --from-traces/,
    out: /^banking-intents@1\.0\.1 from \d+ traced runs/,
    code: 1,
  },
  {
    args: /^compare banking-intents@1\.0\.0 banking-intents@1\.0\.1/,
    out: /regressions \d+, improvements \d+/,
  },
  { args: /^train banking-intents/, out: /./ },
  { args: /^calibrate banking-intents/, out: /./ },
  { args: /^eval banking-intents/, out: /precision/i },
  { args: /^dataset push/, out: /^Dataset triage-sample \(65 examples.*(created|unchanged|updated)/ },
  { args: /^dataset list/, out: /^triage-sample\s+65\s/m },
  { args: /^dataset pull/, out: /^Pulled triage-sample \(65 examples/ },
  { args: /^dataset add/, out: /traced runs? \(\d+ with a correction\)/ },

  { args: /^eval support-triage .*--gate/, out: /gate passed: accuracy>=0\.9 \(actual 1\)/ },
  {
    args: /^compare support-triage@1\.1\.0 support-triage@1\.2\.0/,
    out: /regressions 5, improvements 0/,
    code: 1,
  },
  { args: /^judge align sql_answer_correct/, out: /Cohen's kappa 0\.667/ },
  { args: /^eval sql-qa .*--gate/, out: /gate passed: sql_answer_correct>=0\.8/ },
  { args: /^studio prune/, out: /deleted \d+ traces/ },
  { args: /^studio/, out: /Catena studio serving http:\/\/127\.0\.0\.1:\d+/ },
];

function readmes(): string[] {
  const packages = readdirSync(join(repoRoot, "packages"))
    .map((p) => `packages/${p}/README.md`)
    .filter((p) => {
      try {
        readFileSync(join(repoRoot, p));
        return true;
      } catch {
        return false;
      }
    });
  return ["README.md", ...packages];
}

/** Splits a shell command line into words, honouring single and double quotes (no expansions). */
function shellWords(line: string): string[] {
  const words: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    words.push(m[1] !== undefined ? m[1].replace(/\\(.)/g, "$1") : (m[2] ?? m[3] ?? ""));
  }
  return words;
}

/** The `catena` commands in the shell blocks (```sh, ```bash, or no language) of a Markdown file. */
function commandsIn(file: string): ShownCommand[] {
  const out: ShownCommand[] = [];
  let fence: string | undefined;
  for (const raw of readFileSync(join(repoRoot, file), "utf8").split("\n")) {
    const opening = /^```(\w*)/.exec(raw);
    if (opening) {
      fence = fence === undefined ? opening[1] || "sh" : undefined;
      continue;
    }
    if (fence === undefined || !["sh", "bash", "shell", "console"].includes(fence)) continue;
    // A trailing comment starts at " #" outside quotes; quotes in the examples never hold " #".
    const line = raw.replace(/\s+#\s.*$/, "").trim();
    const m = /^((?:[A-Z_]+=\S+\s+)*)(?:npx |pnpm )?catena\s+(.*)$/.exec(line);
    if (!m) continue;
    const env = Object.fromEntries(
      shellWords(m[1] ?? "").map((w) => [w.slice(0, w.indexOf("=")), w.slice(w.indexOf("=") + 1)]),
    );
    out.push({ file, line, env, args: shellWords(m[2] ?? "") });
  }
  return out;
}

const commands = readmes().flatMap(commandsIn);
let dir: string;
let server: OpenAiTestServer;
/** Answers sql-qa and its judge for the evals section (the script shipped with sql-qa's eval data). */
let evalServer: OpenAiTestServer;
/**
 * The LLM tier of banking-intents for the loop section: the gold label of a dev query, asked as is
 * or as `queries.jsonl` asks it ("Hi, " before it: traffic that is in neither split).
 */
let bankingServer: OpenAiTestServer;
const bankingDev = bankingSplit().dev.filter((_, i) => i % 3 === 0);
const bankingGold = new Map(
  bankingDev.map((e) => [e.text.normalize("NFKC").replace(/\s+/g, " ").trim(), e.label]),
);

beforeAll(async () => {
  await ensureBuilt();
  dir = await mkdtemp(join(tmpdir(), "catena-readme-"));
  // Each README's commands run in a directory of their own, as a reader would try them.
  for (const file of new Set(commands.map((c) => c.file))) {
    const cwd = cwdFor(file);
    await mkdir(cwd);
    await symlink(join(repoRoot, "packages"), join(cwd, "packages"));
    // The files the examples name by a short name.
    await writeFile(join(cwd, "ticket.txt"), "My app crashes every time I open the cart.\n");
    await copyFile(
      join(repoRoot, "packages/chains/data/support-triage/sample.jsonl"),
      join(cwd, "tickets.jsonl"),
    );
    await writeFile(
      join(cwd, "queries.jsonl"),
      bankingDev.map((e) => `${JSON.stringify({ text: `Hi, ${e.text}` })}\n`).join(""),
    );
  }
  bankingServer = await startOpenAiTestServer((_request, info) => {
    const text = info.userText.replace(/^Customer query: (Hi, )?/, "").trim();
    const label = bankingGold.get(text) ?? "card_arrival";
    return { json: { label }, tokenLogprobs: { [label]: Math.log(0.9) } };
  });
  server = await startOpenAiTestServer(
    await loadServerScript(join(repoRoot, "packages/testing/examples/sql-qa-answers.json")),
  );
  evalServer = await startOpenAiTestServer(
    await loadServerScript(join(repoRoot, "packages/chains/data/sql-qa/test-server.mjs")),
  );
}, 180_000);

afterAll(async () => {
  await server?.close();
  await evalServer?.close();
  await bankingServer?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The directory the commands of one README run in. */
function cwdFor(file: string): string {
  return join(dir, file.replace(/[^\w.-]+/g, "_"));
}

/** Runs `catena studio …` until it prints its URL, then stops it with SIGTERM. */
function studio(args: string[], cwd: string): Promise<CatenaResult> {
  return new Promise((resolve) => {
    // The default port may be taken on a shared machine: any free one shows the same behaviour.
    const withPort = args.includes("--port") ? args : [...args, "--port", "0"];
    const child = spawn(process.execPath, [catenaBin, ...withPort], {
      cwd,
      env: { ...process.env, CATENA_STUDIO_DB: testStudioDb },
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      // Stopped a moment after it printed its URL, once its signal handlers are in place.
      if (/serving http/.test(stdout)) setTimeout(() => child.kill("SIGTERM"), 500);
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("exit", (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function newestRunId(): Promise<string> {
  const r = await catena(["traces", "--json", "--limit", "1"], { cwd: dir });
  const [run] = JSON.parse(r.stdout) as Array<{ runId: string }>;
  if (run === undefined) throw new Error("no traced run to put in place of <runId>");
  return run.runId;
}

describe("the catena commands shown in the READMEs", () => {
  it("finds the commands (the README's flagship run among them)", () => {
    expect(commands.length).toBeGreaterThan(15);
    expect(commands.map((c) => c.line)).toContain(
      'npx catena run support-triage --text "Where is order ORD-102938?"',
    );
  });

  for (const shown of commands) {
    const skip = SKIPPED.find((s) => s.match.test(shown.line));
    it.skipIf(skip !== undefined)(
      `${shown.file}: ${shown.line}`,
      async () => {
        const args = await Promise.all(shown.args.map(async (a) => (a === "<runId>" ? newestRunId() : a)));
        const unfilled = args.find((a) => /^<.*>$/.test(a));
        if (unfilled) throw new Error(`no value for the placeholder ${unfilled}: add one to this test`);
        // An LLM command: point it at the test server whatever the README's example URL.
        const llm = args[0] === "run" && args[1] === "sql-qa";
        const judged = args[0] === "judge" || (args[0] === "eval" && args[1] === "sql-qa");
        const banking =
          (args[0] === "batch" || args[0] === "compare") && args[1]?.startsWith("banking-intents") === true;
        const url = judged ? evalServer.url : llm ? server.url : banking ? bankingServer.url : undefined;
        const env = { ...shown.env, ...(url ? { OPENAI_BASE_URL: url, OPENAI_API_KEY: "test" } : {}) };
        const cwd = cwdFor(shown.file);
        const r =
          args[0] === "studio" && args[1] !== "prune"
            ? await studio(args, cwd)
            : await catena(args, { cwd, env, timeoutMs: 230_000 });
        const expected = EXPECTED.find((e) => e.args.test(args.join(" ")));
        const context = `${shown.line}\nexit ${r.code}\nstdout: ${r.stdout.slice(0, 2000)}\nstderr: ${r.stderr}`;
        expect(r.code, context).toBe(expected?.code ?? 0);
        expect(r.stdout, context).toMatch(expected?.out ?? /./);
        expect(r.stderr, context).not.toMatch(/deprecat/i);
      },
      240_000,
    );
  }
});
