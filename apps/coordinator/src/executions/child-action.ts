import type { SignalChildCommand, StartChildCommand } from '@agentic-flow/engine';

/** A `start-child` or `signal-child` command of a parent execution, carried out after commit (`ChildExecutions`). */
export interface ChildAction {
  parent: { id: string; namespace: string };
  command: StartChildCommand | SignalChildCommand;
}

/** Carries out `workflow` steps' child actions after commit (`ChildExecutions`). */
export interface ChildActionSink {
  apply(actions: readonly ChildAction[]): void;
}
