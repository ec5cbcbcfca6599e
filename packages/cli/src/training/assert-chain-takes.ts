import type { AnyChain } from "@catena/core";
import type { LabelledExample } from "@catena/core/ml";
import { CliError } from "../cli-error.ts";
import { plural } from "../format/plural.ts";

const SHOWN = 5;

/**
 * Refuses labelled examples whose text the chain cannot take as input (a text longer than its
 * schema allows, say), naming the file, the lines and the schema's complaint, before any work: a
 * dev item the chain refuses cannot be calibrated on. `option` and `shown` name the file as the
 * user gave it.
 */
export function assertChainTakes(
  chain: AnyChain,
  examples: readonly LabelledExample[],
  file: { option: string; shown: string },
): void {
  const unfit: string[] = [];
  examples.forEach((e, index) => {
    const parsed = chain.input.safeParse({ text: e.text });
    if (parsed.success) return;
    const issues = parsed.error.issues
      .map((issue) =>
        issue.path.length > 0 ? `${issue.path.map(String).join(".")}: ${issue.message}` : issue.message,
      )
      .join("; ");
    unfit.push(`${e.line === undefined ? `item ${index}` : `line ${e.line}`} (${issues})`);
  });
  if (unfit.length === 0) return;
  throw new CliError(
    `${file.option} ${file.shown}: ${plural(unfit.length, "item")} that ${chain.name} cannot take as input: ${unfit
      .slice(0, SHOWN)
      .join(
        ", ",
      )}${unfit.length > SHOWN ? ", ..." : ""}; shorten or remove them (the input schema: catena describe ${chain.name}).`,
  );
}
