import { ChainDefinitionError } from "../errors/errors.ts";

function refuseWrite(verb: string, key: string | symbol): never {
  const name = String(key);
  throw new ChainDefinitionError(
    `A step tried to ${verb} ctx.metadata.${name}, but a run's metadata is read-only: it is RunOptions.metadata as the run was given it, the same for every step. Pass a value on to later steps in the step's output, or set it in RunOptions.metadata when starting the run.`,
    { details: { metadataKey: name } },
  );
}

/** On a view: itself, so that a view given where metadata is expected is not viewed again. */
const IS_VIEW = Symbol("catena.isRunMetadataView");
/** On a copy made by {@link sharedRunMetadata}: its read-only view, made once for all its runs. */
const VIEW = Symbol("catena.runMetadataView");

/**
 * The prototype of every view: a write of a key the view does not have goes up the prototype
 * chain to this proxy's `set`, which throws the error that names `ctx.metadata` (in sloppy-mode
 * code too, where a frozen object's refusal is silent). Only a write into a view itself is
 * refused: a copy that keeps the view's prototype (lodash's `cloneDeep`, klona:
 * `Object.create(Object.getPrototypeOf(v))`, then assign) reaches this `set` too, and gets the
 * property as an ordinary write would give it. The guard and its target are frozen, so no step
 * changes the prototype every view shares; the target is an empty object, so that a view still has
 * `Object.prototype`'s methods.
 */
const NEW_KEY_GUARD: object = Object.freeze(
  new Proxy(Object.freeze({}), {
    set: (target, key, value, receiver) =>
      Object.hasOwn(receiver as object, IS_VIEW)
        ? refuseWrite("set", key)
        : Reflect.set(target, key, value, receiver),
    defineProperty: (_target, key) => refuseWrite("define", key),
  }),
);

type Viewed = Record<string, unknown> & {
  readonly [VIEW]?: Readonly<Record<string, unknown>>;
  readonly [IS_VIEW]?: true;
};

/**
 * A read-only view of `metadata` that is a plain frozen object, not a Proxy, so that
 * `structuredClone(ctx.metadata)` (and `postMessage`) work: each key (a symbol too) is an
 * enumerable getter, which a clone, a spread or `JSON.stringify` reads as data, with a setter that
 * throws the error naming the key; a new key's write reaches {@link NEW_KEY_GUARD}. A `delete` or
 * `Object.defineProperty` is refused by the freeze (a `TypeError` in strict-mode code; a `delete`
 * in sloppy-mode code is silently ignored), and never changes what the run's steps read.
 */
function readOnlyView(metadata: Record<string, unknown>): Readonly<Record<string, unknown>> {
  const view = Object.create(NEW_KEY_GUARD) as Record<string, unknown>;
  for (const key of Reflect.ownKeys(metadata)) {
    // The copy's own keys are the enumerable ones the run was given, and the hidden VIEW.
    if (!Object.prototype.propertyIsEnumerable.call(metadata, key)) continue;
    const value = (metadata as Record<string | symbol, unknown>)[key];
    Object.defineProperty(view, key, {
      enumerable: true,
      get: () => value,
      set: () => refuseWrite("set", key),
    });
  }
  Object.defineProperty(view, IS_VIEW, { value: true });
  return Object.freeze(view);
}

/** The metadata of a run given none: shared, since nothing writes into a run's metadata. */
const NO_METADATA = sharedRunMetadata({});

/**
 * The run's metadata: a frozen copy of what the run was given, taken when it starts, so that
 * neither the caller reusing its object for the next run nor a step writing into it changes what
 * this run's other steps, or other runs, read (the trace's root run records the same values). Only
 * the top level is copied: an object inside it is the caller's own. A copy made by
 * {@link sharedRunMetadata}, or a view, is kept as it is.
 */
export function runMetadata(metadata: Record<string, unknown> | undefined): Record<string, unknown> {
  if (metadata === undefined) return NO_METADATA;
  const viewed = metadata as Viewed;
  return viewed[VIEW] === undefined && viewed[IS_VIEW] === undefined
    ? Object.freeze({ ...metadata })
    : metadata;
}

/**
 * {@link runMetadata} for many runs (a batch's items): the copy also carries its read-only view
 * (under a symbol a spread leaves out), so that no run makes one of its own.
 */
export function sharedRunMetadata(metadata: Record<string, unknown>): Record<string, unknown> {
  if ((metadata as Viewed)[VIEW] !== undefined) return metadata;
  const copy = { ...metadata };
  Object.defineProperty(copy, VIEW, { value: readOnlyView(copy) });
  return Object.freeze(copy);
}

/**
 * What the steps of a run see as `ctx.metadata`: a read-only view of its {@link runMetadata} whose
 * writes throw an error naming the key, and which `structuredClone` copies as plain data. One per
 * run (per batch with {@link sharedRunMetadata}).
 */
export function metadataView(metadata: Record<string, unknown>): Readonly<Record<string, unknown>> {
  const viewed = metadata as Viewed;
  if (viewed[IS_VIEW] !== undefined) return metadata;
  return viewed[VIEW] ?? readOnlyView(metadata);
}
