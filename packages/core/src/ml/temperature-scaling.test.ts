import { describe, expect, it } from "vitest";
import { seededRandom } from "./seeded-random.ts";
import { fitTemperature } from "./temperature-scaling.ts";

describe("fitTemperature", () => {
  it("recovers the temperature that over-confident logits were scaled by", () => {
    const random = seededRandom(9);
    const logits: Float64Array[] = [];
    const labels: number[] = [];
    for (let i = 0; i < 3000; i++) {
      // True logits z, labels drawn from softmax(z); the model reports 2.5 z (over-confident).
      const z = Float64Array.from({ length: 5 }, () => 3 * random());
      const e = z.map(Math.exp);
      const sum = e.reduce((a, b) => a + b, 0);
      let u = random() * sum;
      let label = 0;
      while (label < 4 && u > (e[label] as number)) u -= e[label++] as number;
      labels.push(label);
      logits.push(z.map((v) => 2.5 * v));
    }
    expect(fitTemperature(logits, Int32Array.from(labels), 5)).toBeCloseTo(2.5, 0);
    expect(fitTemperature([], new Int32Array(0), 5)).toBe(1);
  });
});
