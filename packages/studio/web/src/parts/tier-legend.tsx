/**
 * What the Tier column says, one rule with the studio's `answeringTierSql` (runs table, its filter,
 * Trends and the experiments): the cascade tier that answered, else the kind of step that did.
 * The `id` is what the tier filter's `aria-describedby` names.
 */
export function TierLegend() {
  return (
    <details class="legend">
      <summary>What the tier means</summary>
      <dl id="tier-legend">
        <dt>a tier's name</dt>
        <dd>the tier of the chain's cascade that answered (of its last cascade, when it has several)</dd>
        <dt>llm</dt>
        <dd>
          a cascade's tier of that name, or a chain without a cascade whose answer came from an LLM step
        </dd>
        <dt>classifier</dt>
        <dd>a chain without a cascade whose answer came from a trained classifier</dd>
        <dt>knn</dt>
        <dd>
          a cascade's tier of that name, or a chain without a cascade whose answer came from a knn step (the
          nearest labelled examples), no LLM step having run
        </dd>
        <dt>none</dt>
        <dd>no model step ran: code or rules steps only</dd>
      </dl>
    </details>
  );
}
