// What reading each model answer's usage from the HTTP body costs (llm steps' `meteredFetch`):
// REQUESTS chat completions against the local OpenAI-compatible test server, fetched and parsed
// as the OpenAI client does, once plain and once through the meter (the body copied and parsed a
// second time, the usage summed), in interleaved rounds. Both arms pay for the in-process server
// alike, so the difference of their CPU time is the meter's.
//
//   node --conditions=@catena/source bench/llm/response-meter.bench.ts [--requests=400] [--rounds=15] [--stream]

import { startOpenAiTestServer } from "@catena/testing";
import { metered, meteredFetch, ResponseMeter } from "../../packages/core/src/llm/response-meter.ts";
import { fmt, loadNote, machineNotes, markdownTable, measure, median, numberArg } from "../lib/report.ts";

const REQUESTS = numberArg("requests", 400);
const ROUNDS = numberArg("rounds", 7);
const STREAM = process.argv.includes("--stream");

// A labelling answer with log-probabilities, the body llm steps with `labels` get.
const server = await startOpenAiTestServer(() => ({
  json: { label: "card_arrival", reason: "the customer asks where the new card is" },
  tokenLogprobs: { card_arrival: Math.log(0.93) },
  usage: { promptTokens: 180, completionTokens: 14 },
}));
const body = JSON.stringify({
  model: "gpt-4.1-mini-2025-04-14",
  messages: [
    { role: "system", content: "Label the banking question." },
    { role: "user", content: "I ordered a new card two weeks ago and it still has not arrived." },
  ],
  logprobs: true,
  top_logprobs: 1,
  ...(STREAM ? { stream: true, stream_options: { include_usage: true } } : {}),
});
const init: RequestInit = { method: "POST", headers: { "content-type": "application/json" }, body };
const url = `${server.url}/chat/completions`;

async function readBody(response: Response): Promise<void> {
  if (STREAM) await response.text();
  else await response.json();
}

async function plain(): Promise<number> {
  for (let i = 0; i < REQUESTS; i++) await readBody(await fetch(url, init));
  return 0;
}

async function meteredRun(): Promise<number> {
  let tokens = 0;
  for (let i = 0; i < REQUESTS; i++) {
    const meter = new ResponseMeter();
    await metered(meter, async () => readBody(await meteredFetch(url, init)));
    const billed = await meter.settled();
    tokens += billed.inputTokens + billed.outputTokens;
  }
  return tokens;
}

// Warm-up: connections, JIT.
await plain();
await meteredRun();
const rows: Record<"plain" | "metered", { cpu: number[]; wall: number[] }> = {
  plain: { cpu: [], wall: [] },
  metered: { cpu: [], wall: [] },
};
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, fn] of [
    ["plain", plain],
    ["metered", meteredRun],
  ] as const) {
    const m = await measure(fn);
    if (name === "metered" && m.value !== REQUESTS * 194) throw new Error(`counted ${m.value} tokens`);
    rows[name].cpu.push((m.cpuMs * 1000) / REQUESTS);
    rows[name].wall.push((m.wallMs * 1000) / REQUESTS);
  }
}
await server.close();

// Each round's metered arm against the plain one that ran just before it.
const paired = rows.metered.cpu.map((cpu, i) => cpu - (rows.plain.cpu[i] as number));
const cpuPlain = median(rows.plain.cpu);
const cpuMetered = median(rows.metered.cpu);
console.log(machineNotes());
console.log(
  `${loadNote()}; ${REQUESTS} requests × ${ROUNDS} rounds, ${STREAM ? "streamed" : "unstreamed"}\n`,
);
console.log(`paired CPU differences (µs/request): ${paired.map((d) => fmt(d, 0)).join(" ")}\n`);
console.log(
  markdownTable(
    ["fetch", "CPU µs/request (median)", "wall µs/request (median)"],
    [
      ["plain", fmt(cpuPlain, 0), fmt(median(rows.plain.wall), 0)],
      ["metered", fmt(cpuMetered, 0), fmt(median(rows.metered.wall), 0)],
      [
        "difference",
        fmt(cpuMetered - cpuPlain, 0),
        fmt(median(rows.metered.wall) - median(rows.plain.wall), 0),
      ],
    ],
  ),
);
