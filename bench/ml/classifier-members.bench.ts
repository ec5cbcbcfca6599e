// Issue 13, round 4 prototype: trains one "member" configuration of `trainNeuralClassifier` on the
// dev split and the 5 folds (bench/ml/fold-protocol.ts) and caches, per held-out item, the parts
// its probability is mixed from (perceptron, linear model, the hidden-layer kNN vote) and its
// normalised hidden activations (and the memory's). `--combine` then scores mixes of cached members
// without training: several perceptrons averaged, their votes averaged or one vote over the
// concatenated hidden spaces, so that ensembles are judged on the fold mean before any is built.
//
//   node --conditions=@catena/source bench/ml/classifier-members.bench.ts --member=<name>
//   node --conditions=@catena/source bench/ml/classifier-members.bench.ts --combine=<a>+<b>[,…] [--vote=mean|concat]
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import {
  type LabelledExample,
  NeuralTextClassifier,
  type TrainNeuralClassifierOptions,
  trainNeuralClassifier,
} from "@catena/core/ml";
import { fmt, machineNotes, markdownTable } from "../lib/report.ts";
import { crossCoverage, labels, seedDir, splits } from "./fold-protocol.ts";

const K = labels.length;
const outDir = fileURLToPath(new URL(`./out/members/${seedDir}`, import.meta.url));

/** The member configurations: options of `trainNeuralClassifier`. */
const MEMBERS: Record<string, TrainNeuralClassifierOptions> = {
  base: {},
  seed2: { seed: 2 },
  seed3: { seed: 3 },
  "swa50-8": { mlpAverage: { from: 0.5, snapshots: 8 } },
  "swa40-4": { mlpAverage: { from: 0.4, snapshots: 4 } },
  "swa60-12-end20": { mlpAverage: { from: 0.6, snapshots: 12 }, mlpEtaEnd: 0.2 },
  "ep8-swa": { mlpEpochs: 8, mlpAverage: { from: 0.5, snapshots: 8 } },
  chars: { ngrams: { words: null } },
  words13: { ngrams: { words: [1, 3], chars: null } },
  "dropout-swa": { dropout: 0.2, initScale: 0.05, mlpAverage: { from: 0.5, snapshots: 8 } },
  "eta0.3": { mlpEta0: 0.3 },
  "eta0.12": { mlpEta0: 0.12 },
  ep4: { mlpEpochs: 4 },
  ep6: { mlpEpochs: 6 },
  "init0.05": { initScale: 0.05 },
  "drop0.1": { dropout: 0.1 },
  "drop0.2": { dropout: 0.2 },
  "lam1e-6": { lambda: 1e-6 },
  hid384: { hidden: 384 },
  "ep6-eta0.3-drop0.2": { mlpEpochs: 6, mlpEta0: 0.3, dropout: 0.2 },
  "ws0.35": { wordShare: 0.35 },
  "ws0.65": { wordShare: 0.65 },
  mindf3: { minDf: 3 },
  // Trained with two extra texts per label: its name, underscores as spaces ("card arrival").
  labelnames: {},
};

/** Extra training texts of a member, beside its split's training part. */
const EXTRA: Record<string, LabelledExample[]> = {
  labelnames: labels.flatMap((label) => {
    const text = label.replaceAll("_", " ");
    return [
      { text, label },
      { text, label },
    ];
  }),
};

interface Cached {
  y: Int32Array;
  mlp: Float32Array;
  linear: Float32Array;
  vote: Float32Array;
  hidden: Float32Array;
  memory: Float32Array;
  memoryLabels: Int32Array;
  H: number;
  cpuS: number;
}

const f32 = (path: string) => {
  const b = readFileSync(path);
  return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};
const i32 = (path: string) => {
  const b = readFileSync(path);
  return new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4);
};

async function trainMember(name: string, options: TrainNeuralClassifierOptions): Promise<void> {
  for (const s of splits()) {
    const c0 = process.cpuUsage();
    const { classifier: c } = await trainNeuralClassifier([...s.trainPart, ...(EXTRA[name] ?? [])], {
      ...options,
      labels,
      dev: s.heldOut,
    });
    const cpu = process.cpuUsage(c0);
    const n = c.neighbours;
    if (!n) throw new Error("member without a memory");
    const part = (mlpWeight: number, weight?: number) =>
      new NeuralTextClassifier({
        labels: c.labels,
        featuriser: c.featuriser,
        mlp: c.mlp,
        linear: c.linear,
        temperatures: c.temperatures,
        mlpWeight,
        ...(weight === undefined ? {} : { neighbours: { ...n, weight } }),
      });
    const [mlp, linear, vote] = [part(1), part(0), part(1, 1)];
    const N = s.heldOut.length;
    const H = c.mlp.hidden;
    const out = {
      mlp: new Float32Array(N * K),
      linear: new Float32Array(N * K),
      vote: new Float32Array(N * K),
    };
    const hidden = new Float32Array(N * H);
    s.heldOut.forEach((e, i) => {
      out.mlp.set(mlp.probabilities(e.text), i * K);
      out.linear.set(linear.probabilities(e.text), i * K);
      out.vote.set(vote.probabilities(e.text), i * K);
      const h = c.hidden(e.text);
      const norm = Math.hypot(...h);
      for (let u = 0; u < H; u++) hidden[i * H + u] = norm > 0 ? (h[u] as number) / norm : 0;
    });
    const dir = `${outDir}${name}/${s.name}.`;
    mkdirSync(`${outDir}${name}`, { recursive: true });
    writeFileSync(
      `${dir}y`,
      Int32Array.from(s.heldOut, (e) => labels.indexOf(e.label)),
    );
    for (const [key, a] of Object.entries(out)) writeFileSync(`${dir}${key}`, a);
    writeFileSync(`${dir}hidden`, hidden);
    writeFileSync(`${dir}memory`, n.vectors);
    writeFileSync(`${dir}memoryLabels`, n.labels);
    writeFileSync(`${dir}meta.json`, JSON.stringify({ H, cpuS: (cpu.user + cpu.system) / 1e6 }));
    // `--save`: the trained classifier itself too (round 6's test-time augmentation re-predicts with it).
    if (process.argv.includes("--save")) c.save(`${dir}classifier`);
    console.error(`${name} ${s.name}: ${fmt((cpu.user + cpu.system) / 1e6, 2)} s CPU`);
  }
}

function load(name: string, split: string): Cached {
  const dir = `${outDir}${name}/${split}.`;
  const meta = JSON.parse(readFileSync(`${dir}meta.json`, "utf8")) as { H: number; cpuS: number };
  return {
    y: i32(`${dir}y`),
    mlp: f32(`${dir}mlp`),
    linear: f32(`${dir}linear`),
    vote: f32(`${dir}vote`),
    hidden: f32(`${dir}hidden`),
    memory: f32(`${dir}memory`),
    memoryLabels: i32(`${dir}memoryLabels`),
    ...meta,
  };
}

/** The vote of the k nearest memory rows by the mean cosine over every member's hidden space. */
function concatVote(ms: Cached[], i: number, k: number, tau: number, out: Float64Array): void {
  const first = ms[0] as Cached;
  const M = first.memoryLabels.length;
  const sims = new Float64Array(M);
  for (const m of ms) {
    const H = m.H;
    const q = m.hidden.subarray(i * H, (i + 1) * H);
    for (let r = 0; r < M; r++) {
      let d = 0;
      const base = r * H;
      for (let u = 0; u < H; u++) d += (q[u] as number) * (m.memory[base + u] as number);
      sims[r] = (sims[r] as number) + d / ms.length;
    }
  }
  const best: number[] = [];
  for (let r = 0; r < M; r++) {
    if (best.length < k) best.push(r);
    else if ((sims[r] as number) > (sims[best[k - 1] as number] as number)) best[k - 1] = r;
    else continue;
    best.sort((a, b) => (sims[b] as number) - (sims[a] as number));
  }
  out.fill(0);
  let total = 0;
  for (const r of best) {
    const w = Math.exp((sims[r] as number) / tau);
    out[first.memoryLabels[r] as number] = (out[first.memoryLabels[r] as number] as number) + w;
    total += w;
  }
  for (let c = 0; c < K; c++) out[c] = (out[c] as number) / total;
}

function combine(
  names: string[],
  vote: "mean" | "concat",
  voteWeight: number,
  linearShare: number,
  sharpen: number,
) {
  const perSplit = splits().map((s) => {
    const ms = names.map((n) => load(n, s.name));
    const first = ms[0] as Cached;
    const N = first.y.length;
    const p = new Float64Array(K);
    const v = new Float64Array(K);
    let right = 0;
    const items: { confidence: number; right: boolean }[] = [];
    for (let i = 0; i < N; i++) {
      if (vote === "concat" && ms.length > 1) concatVote(ms, i, 5, 0.05, v);
      for (let c = 0; c < K; c++) {
        let mlp = 0;
        let lin = 0;
        let vv = 0;
        for (const m of ms) {
          mlp += m.mlp[i * K + c] as number;
          lin += m.linear[i * K + c] as number;
          vv += m.vote[i * K + c] as number;
        }
        const models = (1 - linearShare) * (mlp / ms.length) + linearShare * (lin / ms.length);
        const theVote = vote === "concat" && ms.length > 1 ? (v[c] as number) : vv / ms.length;
        p[c] = (1 - voteWeight) * models + voteWeight * theVote;
      }
      // A power of the mixed distribution, renormalised: the argmax stays, the confidences' order may not.
      if (sharpen !== 1) {
        let total = 0;
        for (let c = 0; c < K; c++) total += p[c] = (p[c] as number) ** sharpen;
        for (let c = 0; c < K; c++) p[c] = (p[c] as number) / total;
      }
      let arg = 0;
      for (let c = 1; c < K; c++) if ((p[c] as number) > (p[arg] as number)) arg = c;
      const ok = arg === first.y[i];
      if (ok) right++;
      items.push({ confidence: p[arg] as number, right: ok });
    }
    return {
      split: s.name,
      accuracy: right / N,
      ...crossCoverage(items),
      cpuS: ms.reduce((t, m) => t + m.cpuS, 0),
    };
  });
  const devRow = perSplit[0] as (typeof perSplit)[number];
  const folds = perSplit.slice(1);
  const mean = (pick: (f: (typeof folds)[number]) => number) =>
    folds.reduce((s, f) => s + pick(f), 0) / folds.length;
  return [
    `${names.join(" + ")} (vote ${vote}, w ${voteWeight}, linear ${linearShare}${sharpen === 1 ? "" : `, power ${sharpen}`})`,
    fmt(100 * devRow.accuracy, 2),
    fmt(100 * devRow.coverage, 1),
    fmt(100 * mean((f) => f.accuracy), 2),
    folds.map((f) => fmt(100 * f.accuracy, 2)).join(" / "),
    fmt(100 * mean((f) => f.coverage), 1),
    fmt(100 * mean((f) => f.precision), 2),
    fmt(devRow.cpuS, 2),
  ];
}

const arg = (name: string) => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const member = arg("member");
if (member) {
  const options = MEMBERS[member];
  if (!options) throw new Error(`unknown member ${member}: one of ${Object.keys(MEMBERS).join(", ")}`);
  console.log(machineNotes());
  await trainMember(member, options);
}
const combos = arg("combine");
if (combos) {
  const vote = (arg("vote") ?? "mean") as "mean" | "concat";
  const voteWeight = Number(arg("weight") ?? 0.5);
  const linearShare = Number(arg("linear") ?? 0.5);
  const sharpen = Number(arg("power") ?? 1);
  const rows = combos.split(",").map((c) => combine(c.split("+"), vote, voteWeight, linearShare, sharpen));
  console.log(
    markdownTable(
      [
        "members",
        "dev acc %",
        "dev covers %",
        "5-fold acc %",
        "per fold",
        "5-fold covers %",
        "its precision %",
        "dev train CPU s",
      ],
      rows,
    ),
  );
}

// `--curve`: the default trained on each fold's training part (6,803 texts, 80%) and scored on the
// fixed dev split, against the same on all 8,504: how much of the dev/fold gap is the training size.
if (process.argv.includes("--curve")) {
  const all = splits();
  const devItems = all[0]?.heldOut ?? [];
  const rows: string[][] = [];
  for (const s of all) {
    const { report } = await trainNeuralClassifier(s.trainPart, { labels, dev: devItems });
    rows.push([
      s.name === "dev" ? "all 8,504" : `${s.name}'s training part`,
      String(s.trainPart.length),
      fmt(100 * (report.dev?.accuracy ?? 0), 2),
    ]);
    console.error(rows.at(-1)?.join(" "));
  }
  console.log(markdownTable(["trained on", "texts", "dev accuracy %"], rows));
}
