/**
 * Whether a process of this machine is still running: signal 0 checks without disturbing it.
 * Only "no such process" means gone; a process we may not signal (EPERM) is someone's, alive.
 */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
