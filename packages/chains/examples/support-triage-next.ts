/*
 * A candidate next version of support-triage, for `catena compare` (README, "Evals and
 * experiments"): it runs support-triage 1.1.0 as a subchain and then sends account questions to
 * the technical queue, as if the two teams had merged. Load it with
 * `--chains packages/chains/examples/support-triage-next.ts`; then both
 * `support-triage@1.1.0` and `support-triage@1.2.0` exist, and compare shows what the change breaks.
 */

import {
  type SupportTriageOutput,
  supportTriage,
  supportTriageInput,
  supportTriageOutput,
} from "@catena/chains";
import { code, defineChain, sequence, subchain } from "@catena/core";

/** support-triage 1.2.0: account questions go to the technical queue. */
export const supportTriageNext = defineChain({
  name: "support-triage",
  version: "1.2.0",
  description: "support-triage with the account queue merged into technical (a candidate for compare).",
  input: supportTriageInput,
  output: supportTriageOutput,
  flow: sequence(
    subchain(supportTriage),
    code(
      "merge-account-queue",
      (out: SupportTriageOutput): SupportTriageOutput =>
        out.queue === "account" ? { ...out, queue: "technical" } : out,
    ),
  ),
});
