import { type AnyActorRef, createActor } from "xstate";
import type { CompiledFlow } from "../compile/compiled-flow.ts";
import type { ChainMachineContext } from "../compile/machine-context.ts";
import { type MachineCursor, type MachineTable, tableOf } from "./machine-table.ts";

interface ActorCursor extends MachineCursor {
  actor: AnyActorRef;
}

/**
 * Drives a chain's machine through a real xstate actor: every event goes through `actor.send`.
 * Slower than the table, and the reference the table is checked against.
 */
export function xstateDriver(flow: CompiledFlow): Pick<MachineTable, "start" | "send" | "restore"> {
  const cursorOf = (actor: AnyActorRef): ActorCursor => {
    const snapshot = actor.getSnapshot() as {
      status: string;
      error?: unknown;
      value: unknown;
      context: ChainMachineContext;
    };
    if (snapshot.status === "error") throw snapshot.error;
    const state = tableOf(flow).states.get(String(snapshot.value));
    if (!state) throw new Error(`xstate reached unknown state ${String(snapshot.value)}`);
    return { state, context: snapshot.context, actor };
  };
  return {
    start(context) {
      return cursorOf(createActor(flow.machine, { input: context }).start());
    },
    send(cursor, event) {
      const { actor } = cursor as ActorCursor;
      actor.send(event);
      return cursorOf(actor);
    },
    restore(stateKey, context) {
      const snapshot = flow.machine.resolveState({ value: stateKey, context });
      return cursorOf(createActor(flow.machine, { snapshot }).start());
    },
  };
}
