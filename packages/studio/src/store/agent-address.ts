/**
 * LangSmith's agent addresses (SDK 0.12: `traceable({ address: new AgentAddress(id, env) })`, or
 * `LANGSMITH_AGENT_ID` with `LANGSMITH_AGENT_ENVIRONMENT`): a run sent to one carries
 * `address: "lrn:agents/{id}/environments/{env}"` and no project name. LangSmith files it in the
 * agent environment's tracing project; the studio names that project after the address itself, so
 * that the runs of each agent and environment stay apart instead of landing in "default".
 */
const AGENT_LRN = /^lrn:agents\/([^/]+)\/environments\/([^/]+)$/;

/** The project an agent's runs go to in one environment: its address, environment in lower case. */
export function agentProjectName(id: string, environment: string): string {
  return `lrn:agents/${id}/environments/${environment.toLowerCase()}`;
}

/** The project named by a run's wire `address`, or `undefined` for anything but an agent address. */
export function agentProjectOfAddress(address: unknown): string | undefined {
  const match = typeof address === "string" ? AGENT_LRN.exec(address) : null;
  if (match === null) return undefined;
  return agentProjectName(match[1] as string, match[2] as string);
}
