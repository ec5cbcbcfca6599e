import type { AnyStateMachine } from "xstate";

/**
 * A flow compiled to an xstate machine. The runner reads its transition table off the machine
 * (`runtime/machine-table.ts`), so compiling knows nothing of how the machine is interpreted.
 */
export interface CompiledFlow {
  machine: AnyStateMachine;
}
