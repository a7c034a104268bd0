// @ts-check
import { readFileSync } from 'node:fs';

/**
 * This process's peak resident memory in kB: Linux's VmHWM. getrusage's maxrss also counts the
 * parent's memory at the moment it forked this process (before exec), so a benchmark's child
 * would report the benchmark's own size; elsewhere it is the best there is.
 */
export function peakKb() {
  try {
    const hwm = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (hwm) return Number(hwm[1]);
  } catch {
    // Not Linux.
  }
  return process.resourceUsage().maxRSS;
}
