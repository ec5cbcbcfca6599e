/** The metadata of a run given none: shared, since nothing writes into a run's metadata. */
const NO_METADATA: Record<string, unknown> = Object.freeze({});

/**
 * The run's metadata as its steps see it (`ctx.metadata`): a frozen copy of what the run was given,
 * taken when it starts, so that neither the caller reusing its object for the next run nor a step
 * writing into it changes what this run's other steps, or other runs, read (the trace's root run
 * records the same values). Given frozen already (a batch freezes its copy once), it is kept as is.
 */
export function runMetadata(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  if (metadata === undefined) return NO_METADATA;
  return Object.isFrozen(metadata) ? metadata : Object.freeze({ ...metadata });
}
