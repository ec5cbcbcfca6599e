import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { trainingBar } from "./training-bar.ts";

/** A stream that says it is a terminal, as stderr does on one, collecting what is drawn. */
function terminal(): { stream: NodeJS.WritableStream; text: () => string } {
  const stream = Object.assign(new PassThrough(), { isTTY: true, columns: 80 });
  const chunks: string[] = [];
  stream.on("data", (c: Buffer) => chunks.push(c.toString()));
  return { stream, text: () => chunks.join("") };
}

describe("trainingBar", () => {
  it("draws one bar per phase, named, with its count", () => {
    const { stream, text } = terminal();
    const bar = trainingBar(stream);
    bar.update({ phase: "read", done: 1, total: 3 });
    bar.update({ phase: "read", done: 3, total: 3 });
    bar.update({ phase: "epoch", done: 2, total: 8 });
    bar.update({ phase: "calibrate", done: 0, total: 1 });
    bar.stop();
    const drawn = text();
    expect(drawn).toContain("read");
    expect(drawn).toContain("1/3");
    expect(drawn).toContain("epoch");
    expect(drawn).toContain("2/8");
    expect(drawn).toContain("calibrate");
  });
});
