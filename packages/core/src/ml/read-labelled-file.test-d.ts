import { describe, expectTypeOf, it } from "vitest";
import type { ConflictingLabels } from "./conflicting-labels.ts";
import { conflictingLabels, conflictingLabelsWarning } from "./conflicting-labels.ts";
import type { LabelledExample } from "./labelled-example.ts";
import { readLabelledFile } from "./read-labelled-file.ts";
import { readLabelledJsonl } from "./read-labelled-jsonl.ts";

describe("the labelled-file readers' types", () => {
  it("read labelled examples with the CSV reader's options", () => {
    expectTypeOf(readLabelledFile).returns.toEqualTypeOf<LabelledExample[]>();
    expectTypeOf(readLabelledJsonl).parameter(1).toEqualTypeOf<
      | {
          textColumn?: string;
          labelColumn?: string;
          labels?: readonly string[];
          delimiter?: string;
          keepBlankTexts?: boolean;
        }
      | undefined
    >();
    // @ts-expect-error a label set is strings
    readLabelledFile("dev.jsonl", { labels: [1, 2] });
  });

  it("list conflicting copies with their label and place", () => {
    expectTypeOf(conflictingLabels).returns.toEqualTypeOf<ConflictingLabels[]>();
    expectTypeOf<ConflictingLabels["copies"][number]>().toEqualTypeOf<{
      label: string;
      line?: number;
      index: number;
    }>();
    expectTypeOf(conflictingLabelsWarning).returns.toEqualTypeOf<string | undefined>();
  });
});
