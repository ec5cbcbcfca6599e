import { ChainDefinitionError } from "../errors/errors.ts";

/**
 * Traps of the view steps get of a run's metadata: a write throws an error that names
 * `ctx.metadata` (a frozen object's own is a bare "Cannot assign to read only property", and in
 * sloppy-mode code nothing at all). `CHAIN_DEFINITION`: the step's code is wrong, and a `retry()`
 * leaves it.
 */
const READ_ONLY: ProxyHandler<Record<string, unknown>> = {
  set: (_target, key) => refuseWrite("set", key),
  defineProperty: (_target, key) => refuseWrite("define", key),
  deleteProperty: (_target, key) => refuseWrite("delete", key),
};

function refuseWrite(verb: string, key: string | symbol): never {
  const name = String(key);
  throw new ChainDefinitionError(
    `A step tried to ${verb} ctx.metadata.${name}, but a run's metadata is read-only: it is RunOptions.metadata as the run was given it, the same for every step. Pass a value on to later steps in the step's output, or set it in RunOptions.metadata when starting the run.`,
    { details: { metadataKey: name } },
  );
}

/** On a copy made by {@link sharedRunMetadata}: its read-only view, made once for all its runs. */
const VIEW = Symbol("catena.runMetadataView");

type Viewed = Record<string, unknown> & { readonly [VIEW]?: Readonly<Record<string, unknown>> };

/** The metadata of a run given none: shared, since nothing writes into a run's metadata. */
const NO_METADATA = sharedRunMetadata({});

/**
 * The run's metadata: a frozen copy of what the run was given, taken when it starts, so that
 * neither the caller reusing its object for the next run nor a step writing into it changes what
 * this run's other steps, or other runs, read (the trace's root run records the same values). Only
 * the top level is copied: an object inside it is the caller's own. A copy made by
 * {@link sharedRunMetadata} is kept as it is.
 */
export function runMetadata(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  if (metadata === undefined) return NO_METADATA;
  return (metadata as Viewed)[VIEW] === undefined ? Object.freeze({ ...metadata }) : metadata;
}

/**
 * {@link runMetadata} for many runs (a batch's items): the copy also carries its read-only view
 * (under a symbol a spread leaves out), so that no run makes one of its own.
 */
export function sharedRunMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  if ((metadata as Viewed)[VIEW] !== undefined) return metadata;
  const copy = { ...metadata };
  Object.defineProperty(copy, VIEW, { value: new Proxy(copy, READ_ONLY) });
  return Object.freeze(copy);
}

/**
 * What the steps of a run see as `ctx.metadata`: a read-only view of its {@link runMetadata}, whose
 * writes throw an error naming the key. One per run (per batch with {@link sharedRunMetadata}).
 */
export function metadataView(metadata: Record<string, unknown>): Readonly<Record<string, unknown>> {
  return (metadata as Viewed)[VIEW] ?? new Proxy(metadata, READ_ONLY);
}
