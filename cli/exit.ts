/** `interrupted`: Ctrl-C (SIGINT); `terminated`: SIGTERM (a process manager stopping us). Both cancel the run cleanly first; 128 + the signal number, as shells report it. */
export const EXIT = { ok: 0, runFailed: 1, invalid: 2, interrupted: 130, terminated: 143 } as const;

/** An error already reported to the user; carries the exit code. */
export class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}
