import { describe, expect, it } from "vitest";
import { fitTable } from "./fit-table.ts";

describe("fitTable", () => {
  const rows = [
    ["RUN", "CHAIN", "TIER", "COST"],
    ["1a2b3c4d", "a-very-long-chain-name@1.10.0", "keyword-scores-long", "-"],
    ["5e6f7a8b", "short@1.0.0", "rules", "-"],
  ];

  it("leaves out columns that say nothing and cuts the shrinkable ones in order to fit", () => {
    const text = fitTable(rows, {
      width: 50,
      shrinkable: [
        { column: 2, minWidth: 10 },
        { column: 1, minWidth: 14 },
      ],
    });
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).not.toContain("COST");
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(50);
    expect(lines[1]).toBe("1a2b3c4d  a-very-long-chain-name@1.10…  keyword-s…");
  });

  it("changes nothing that already fits", () => {
    expect(
      fitTable(
        [
          ["A", "B"],
          ["x", "y"],
        ],
        { width: 80, shrinkable: [{ column: 1, minWidth: 1 }] },
      ),
    ).toBe("A  B\nx  y\n");
  });
});
