import type { Progress } from './progress.js';

/** Progress that prints nothing: planning runs the machine without telling the terminal. */
export const silentProgress: Progress = {
  stepStarted: () => undefined,
  stepFinished: () => undefined,
  stepFailed: () => undefined,
  waiting: () => undefined,
  info: () => undefined,
  close: () => undefined,
};
