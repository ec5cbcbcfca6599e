import { describe, expect, it } from "vitest";
import { displayWidth } from "./display-width.ts";
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

  it("measures and cuts by display width: wide characters take two columns", () => {
    const text = fitTable(
      [
        ["RUN", "TEXT", "TIER"],
        ["1a2b", "我的卡什么时候到", "rules"],
        ["5e6f", "where is my card", "linear"],
      ],
      { width: 28, shrinkable: [{ column: 1, minWidth: 6 }] },
    );
    const lines = text.trimEnd().split("\n");
    for (const line of lines) expect(displayWidth(line)).toBeLessThanOrEqual(28);
    // 28 - 4 (RUN) - 6 (TIER) - 4 (gaps) = 14 columns of text: six wide characters and the ellipsis.
    expect(lines[1]).toBe("1a2b  我的卡什么时…   rules");
    expect(lines[2]).toBe("5e6f  where is my c…  linear");
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
