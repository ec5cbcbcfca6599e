import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runInput } from "./run-input.ts";

/** Standard input as a terminal gives it: a stream with `isTTY`. */
function terminal(text: string): NodeJS.ReadableStream {
  return Object.assign(Readable.from([text]), { isTTY: true });
}

describe("catena run --file -", () => {
  it("says how to end the input when it reads a terminal, and nothing for a pipe", async () => {
    const said: string[] = [];
    const notice = (text: string) => said.push(text);
    const typed = await runInput({ file: "-" }, { cwd: "/", stdin: terminal("refund please\n"), notice });
    expect(typed).toEqual({ text: "refund please" });
    expect(said).toEqual([
      "catena: reading the input from the terminal; end it with Ctrl-D (Ctrl-Z, Enter on Windows)\n",
    ]);
    said.length = 0;
    const piped = await runInput({ file: "-" }, { cwd: "/", stdin: Readable.from(["a\n"]), notice });
    expect(piped).toEqual({ text: "a" });
    expect(said).toEqual([]);
  });
});
