/*
 * Where `catena train <chain> --data` writes, through the built binary: without --out a candidate
 * version in the project (never the installed package's artifacts), which `catena eval` and
 * `catena calibrate` then take as that version; an existing --out folder is written whole at the
 * end, so Ctrl-C during the training leaves it as it was; a candidate whose manifest is broken is a
 * typed error; a chains module is refused with how to train one's own chain in code.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { bankingSplit } from "@catena/chains";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt, repoRoot } from "./support/ensure-built.ts";
import { catena, catenaBin } from "./support/run-catena.ts";

const dir = mkdtempSync(join(tmpdir(), "catena-train-candidate-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const noProvider = { OPENAI_API_KEY: undefined, OPENAI_BASE_URL: undefined };
const packageArtifacts = join(repoRoot, "packages/chains/artifacts/banking-intents");

const quote = (s: string): string => `"${s.replaceAll('"', '""')}"`;
const csvText = (rows: ReadonlyArray<{ text: string; label: string }>): string =>
  `text,label\n${rows.map((r) => `${quote(r.text)},${quote(r.label)}`).join("\n")}\n`;

// Four intents, 30 training queries each, and 10 dev queries each, from the fixed split.
const INTENTS = ["card_arrival", "apple_pay_or_google_pay", "exchange_rate", "pin_blocked"];
const { train, dev } = bankingSplit();
const small = INTENTS.flatMap((label) => train.filter((e) => e.label === label).slice(0, 30));
const smallDev = INTENTS.flatMap((label) => dev.filter((e) => e.label === label).slice(0, 10));

/** A digest of every file of the installed package's banking-intents artifacts. */
function packageDigest(): string {
  const hash = createHash("sha256");
  for (const name of readdirSync(packageArtifacts).sort()) {
    const path = join(packageArtifacts, name);
    if (name === "split") continue;
    hash.update(name).update(readFileSync(path));
  }
  return hash.digest("hex");
}

/**
 * Starts `catena train …` in `cwd`, and once its staging folder (the entry of `stagedIn` that starts
 * with `staging`, as `.<folder>.staged-`) appears, stops the process (SIGSTOP), checks the folder is still there (so the
 * training has not committed), runs `act` and lets it go on (SIGCONT). Trained on the whole banking
 * split, the training runs seconds past the staging, so the folder is seen long before the commit
 * however loaded the machine; stopped, it cannot commit while `act` runs. Resolves with the exit
 * code and the standard error.
 */
async function trainStopped(
  args: readonly string[],
  cwd: string,
  stagedIn: string,
  staging: string,
  act: (child: ReturnType<typeof spawn>) => void,
): Promise<{ code: number | null; stderr: string }> {
  const child = spawn(process.execPath, [catenaBin, "train", ...args], {
    cwd,
    env: { ...process.env, NO_COLOR: "1" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr += String(chunk);
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const staged = (): string[] =>
    existsSync(stagedIn) ? readdirSync(stagedIn).filter((n) => n.startsWith(staging)) : [];
  const end = Date.now() + 90_000;
  while (staged().length === 0 && child.exitCode === null && Date.now() < end)
    await new Promise((r) => setTimeout(r, 5));
  child.kill("SIGSTOP");
  try {
    expect(staged(), stderr).toHaveLength(1);
    act(child);
  } finally {
    child.kill("SIGCONT");
  }
  return { code: await exited, stderr };
}

beforeAll(async () => {
  await ensureBuilt();
  writeFileSync(join(dir, "full.csv"), csvText(train));
  writeFileSync(join(dir, "small.csv"), csvText(small));
  writeFileSync(join(dir, "dev.csv"), csvText(smallDev));
}, 600_000);

describe("catena train --data without --out", () => {
  it("writes a candidate version in the project, never the package's artifacts, and says how to try and adopt it", async () => {
    const before = packageDigest();
    const r = await catena(["train", "banking-intents", "--data", "small.csv", "--dev", "dev.csv"], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(packageDigest()).toBe(before);
    const folder = join(dir, ".catena", "candidates", "banking-intents@1.0.1");
    for (const file of ["classifier.catena", "index.catena", "thresholds.json", "chain.mjs"])
      expect(existsSync(join(folder, file)), file).toBe(true);
    expect(JSON.parse(readFileSync(join(folder, "candidate.json"), "utf8"))).toEqual({
      catena: "candidate",
      format: 1,
      chain: "banking-intents",
      version: "1.0.1",
      module: "chain.mjs",
    });
    expect(r.stdout).toContain("wrote .catena/candidates/banking-intents@1.0.1/classifier.catena");
    expect(r.stdout).toContain(
      "This is banking-intents@1.0.1, a candidate version of the chain; the installed one is unchanged.",
    );
    // Nothing is left staged beside it.
    expect(readdirSync(join(dir, ".catena", "candidates"))).toEqual(["banking-intents@1.0.1"]);

    // The command it offers runs as printed: the candidate is that version of the chain.
    const tryIt = /try it: +catena (.*)$/m.exec(r.stdout)?.[1]?.split(" ");
    expect(tryIt).toEqual([
      "eval",
      "banking-intents@1.0.1",
      "--chains",
      "./.catena/candidates/banking-intents@1.0.1/chain.mjs",
      "--data",
      "dev.csv",
    ]);
    const evaluated = await catena(["--no-trace", ...(tryIt ?? [])], { cwd: dir, env: noProvider });
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/^evaluated banking-intents@1\.0\.1 on 40 items of dev\.csv/);
    expect(r.stdout).toContain(
      'adopt it:    add "./.catena/candidates/banking-intents@1.0.1/chain.mjs" to "chains" in catena.config.json, then catena lock',
    );

    // calibrate takes the folder as the version its manifest declares.
    const calibrated = await catena(
      ["--json", "calibrate", "banking-intents", "--data", "dev.csv", "--artifacts", folder, "--dry-run"],
      { cwd: dir },
    );
    expect(calibrated.code, calibrated.stderr).toBe(0);
    expect(JSON.parse(calibrated.stdout).artifacts.version).toBe("1.0.1");

    // A second training is another candidate beside the first, which stays as it was.
    const first = readFileSync(join(folder, "thresholds.json"), "utf8");
    const again = await catena(["--json", "train", "banking-intents", "--data", "small.csv", "--seed", "5"], {
      cwd: dir,
    });
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout).candidate.id).toBe("banking-intents@1.0.2");
    expect(readFileSync(join(folder, "thresholds.json"), "utf8")).toBe(first);
  }, 180_000);

  it("refuses a candidate folder whose manifest is broken, naming it (CANDIDATE_INVALID, exit 2); one written before manifests is read through its module", async () => {
    const folder = join(dir, ".catena", "candidates", "banking-intents@1.0.1");
    const manifest = join(folder, "candidate.json");
    const calibrate = () =>
      catena(
        ["--json", "calibrate", "banking-intents", "--data", "dev.csv", "--artifacts", folder, "--dry-run"],
        {
          cwd: dir,
        },
      );
    const text = readFileSync(manifest, "utf8");
    try {
      writeFileSync(manifest, '{"catena": "candidate", "format": 1, "chain": "banking-intents"');
      const broken = await calibrate();
      expect(broken.code).toBe(2);
      expect(JSON.parse(broken.stdout).error.code).toBe("CANDIDATE_INVALID");
      expect(broken.stderr).toMatch(
        /^catena: \.catena\/candidates\/banking-intents@1\.0\.1\/candidate\.json is not valid JSON \(.*\); write the candidate again/,
      );
      writeFileSync(
        manifest,
        JSON.stringify({ catena: "candidate", format: 1, chain: "banking-intents", version: "v2" }),
      );
      const version = await calibrate();
      expect(version.code).toBe(2);
      expect(version.stderr).toContain('candidate.json: its "version" is "v2", not a version like 1.0.1');

      unlinkSync(manifest);
      const older = await calibrate();
      expect(older.code, older.stderr).toBe(0);
      expect(JSON.parse(older.stdout).artifacts.version).toBe("1.0.1");
    } finally {
      writeFileSync(manifest, text);
    }
  }, 120_000);
});

describe("catena train --data --out <existing folder>", () => {
  it("on Ctrl-C during the training leaves the folder as it was, and exits 130", async () => {
    const out = join(dir, "kept");
    mkdirSync(out);
    writeFileSync(join(out, "manifest.json"), '{"old": true}\n');
    writeFileSync(join(out, "notes.txt"), "mine\n");
    const staged = () => readdirSync(dir).filter((n) => n.startsWith(".kept.staged-"));
    // Held stopped once staged: the interrupt lands during the training, never after it.
    const { code, stderr } = await trainStopped(
      ["banking-intents", "--data", "full.csv", "--out", "kept"],
      dir,
      dir,
      ".kept.staged-",
      (child) => child.kill("SIGINT"),
    );
    expect(code, stderr).toBe(130);
    expect(stderr).toMatch(/catena: interrupted; nothing was written to kept\n$/);
    expect(readdirSync(out).sort()).toEqual(["manifest.json", "notes.txt"]);
    expect(readFileSync(join(out, "manifest.json"), "utf8")).toBe('{"old": true}\n');
    expect(staged()).toEqual([]);

    // Finished, it replaces the files it writes and keeps the others.
    const r = await catena(["train", "banking-intents", "--data", "small.csv", "--out", "kept"], {
      cwd: dir,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(out, "notes.txt"), "utf8")).toBe("mine\n");
    expect(JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")).old).toBeUndefined();
    expect(existsSync(join(out, "thresholds.json"))).toBe(true);
    // Weights in a folder of one's own are no candidate version.
    expect(existsSync(join(out, "candidate.json"))).toBe(false);
    expect(staged()).toEqual([]);
  }, 120_000);
});

describe("catena train --data: folders of its own", () => {
  it("without calibrating, removes an --out folder's old thresholds with the new weights, and says so", async () => {
    const out = join(dir, "recal");
    const first = await catena(["train", "banking-intents", "--data", "small.csv", "--out", "recal"], {
      cwd: dir,
    });
    expect(first.code, first.stderr).toBe(0);
    expect(existsSync(join(out, "thresholds.json"))).toBe(true);
    const r = await catena(
      ["train", "banking-intents", "--data", "small.csv", "--out", "recal", "--no-calibrate"],
      {
        cwd: dir,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(existsSync(join(out, "thresholds.json"))).toBe(false);
    expect(r.stdout).toContain(
      "no thresholds were chosen for these weights, and the folder's old recal/thresholds.json (chosen for the weights these replace) was removed: every item goes to the LLM tier until you calibrate",
    );
    const json = await catena(
      ["--json", "train", "banking-intents", "--data", "small.csv", "--out", "recal", "--no-calibrate"],
      { cwd: dir },
    );
    expect(JSON.parse(json.stdout).removed).toEqual([]);
  }, 120_000);

  it("takes the next version while another training of the chain is staging one, and never merges into a candidate written meanwhile", async () => {
    const project = join(dir, "busy");
    const candidates = join(project, ".catena", "candidates");
    mkdirSync(candidates, { recursive: true });
    // Another training under way: its version is taken though its folder is not written yet.
    const other = ".banking-intents@1.0.1.staged-4242-0a0b0c0d";
    mkdirSync(join(candidates, other));
    const r = await catena(["--json", "train", "banking-intents", "--data", "../small.csv"], {
      cwd: project,
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).candidate.id).toBe("banking-intents@1.0.2");

    // A folder written by someone else while this training ran is left as it is: nothing merged.
    const taken = join(candidates, "banking-intents@1.0.3");
    const { code, stderr } = await trainStopped(
      ["banking-intents", "--data", "../full.csv", "--no-calibrate"],
      project,
      candidates,
      ".banking-intents@1.0.3.staged-",
      () => {
        mkdirSync(taken);
        writeFileSync(join(taken, "chain.mjs"), "// theirs\n");
      },
    );
    expect(code, stderr).toBe(1);
    expect(stderr).toContain(
      "catena: .catena/candidates/banking-intents@1.0.3 was written by another command while this one ran, so nothing was written there",
    );
    expect(readdirSync(taken)).toEqual(["chain.mjs"]);
    expect(readFileSync(join(taken, "chain.mjs"), "utf8")).toBe("// theirs\n");
    expect(readdirSync(candidates).sort()).toEqual([other, "banking-intents@1.0.2", "banking-intents@1.0.3"]);
  }, 180_000);

  it("removes the parents of --out it made when the training is interrupted", async () => {
    const { code, stderr } = await trainStopped(
      ["banking-intents", "--data", "full.csv", "--out", "made/for/it"],
      dir,
      join(dir, "made", "for"),
      ".it.staged-",
      (child) => child.kill("SIGINT"),
    );
    expect(code, stderr).toBe(130);
    expect(existsSync(join(dir, "made"))).toBe(false);
  }, 120_000);
});

describe("catena calibrate without --artifacts", () => {
  it("writes a candidate version with the new thresholds beside a copy of the installed artifacts, never the package's files", async () => {
    const project = join(dir, "calibrated");
    mkdirSync(project);
    const before = packageDigest();
    const dry = await catena(["calibrate", "banking-intents", "--data", "../dev.csv", "--dry-run"], {
      cwd: project,
    });
    expect(dry.code, dry.stderr).toBe(0);
    expect(existsSync(join(project, ".catena"))).toBe(false);

    const r = await catena(["calibrate", "banking-intents", "--data", "../dev.csv"], { cwd: project });
    expect(r.code, r.stderr).toBe(0);
    expect(packageDigest()).toBe(before);
    const folder = join(project, ".catena", "candidates", "banking-intents@1.0.1");
    expect(readdirSync(folder).sort()).toEqual([
      "candidate.json",
      "chain.mjs",
      "classifier.catena",
      "embedder.catena",
      "index.catena",
      "manifest.json",
      "thresholds.json",
    ]);
    const sha = (path: string): string => createHash("sha256").update(readFileSync(path)).digest("hex");
    expect(sha(join(folder, "classifier.catena"))).toBe(sha(join(packageArtifacts, "classifier.catena")));
    expect(r.stdout).toContain(
      "wrote .catena/candidates/banking-intents@1.0.1/thresholds.json, with a copy of the installed artifacts, chain.mjs and candidate.json beside it in .catena/candidates/banking-intents@1.0.1",
    );
    expect(r.stdout).not.toContain("bump its version");
    const tryIt = /try it: +catena (.*)$/m.exec(r.stdout)?.[1]?.split(" ");
    expect(tryIt).toEqual([
      "eval",
      "banking-intents@1.0.1",
      "--chains",
      "./.catena/candidates/banking-intents@1.0.1/chain.mjs",
      "--data",
      "../dev.csv",
    ]);
    const evaluated = await catena(["--no-trace", ...(tryIt ?? [])], { cwd: project, env: noProvider });
    expect(evaluated.code, evaluated.stderr).toBe(0);
    expect(evaluated.stdout).toMatch(/^evaluated banking-intents@1\.0\.1 on 40 items/);

    // A second calibration is the next candidate; --json names it.
    const json = await catena(["--json", "calibrate", "banking-intents", "--data", "../dev.csv"], {
      cwd: project,
    });
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(json.stdout);
    expect(report.candidate.id).toBe("banking-intents@1.0.2");
    expect(report.written).toBe(
      join(project, ".catena", "candidates", "banking-intents@1.0.2", "thresholds.json"),
    );
  }, 120_000);
});

describe("catena train <chains module>", () => {
  it("is refused with how to make a chain of one's own trainable", async () => {
    writeFileSync(join(dir, "my-chains.ts"), "export {};\n");
    const r = await catena(["train", "./my-chains.ts", "--data", "small.csv"], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(
      /^catena: train takes the name of a trainable chain \(banking-intents \(built-in\)\), not a chains module: \.\/my-chains\.ts; give the module with --chains <module> and the chain's name; to train a chain of your own, export a trainer beside it/,
    );
    expect(r.stderr).toContain(
      "defineTextCascadeTrainer({ name, labels, module: import.meta.url, artifactsDir, split, chain })",
    );
  });
});
