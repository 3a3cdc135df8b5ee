import fs from 'node:fs';

/**
 * Resident memory of a process and of every process below it, read from /proc (Linux only): what the machine
 * gives to a program that spawns helpers (esbuild's service, a worker process), not only to its first process.
 */
export interface TreeMemory {
  /** Sum of VmRSS over the tree, in bytes. */
  rssBytes: number;
  /** VmRSS of the root process alone, in bytes. */
  rootRssBytes: number;
  /** The processes found, the root first. */
  pids: number[];
}

export function treeMemory(rootPid: number): TreeMemory {
  const pids = descendants(rootPid);
  let rssBytes = 0;
  let rootRssBytes = 0;
  const alive: number[] = [];
  for (const pid of pids) {
    const rss = statusField(pid, 'VmRSS');
    if (rss === null) continue; // exited between the listing and the read
    rssBytes += rss;
    if (pid === rootPid) rootRssBytes = rss;
    alive.push(pid);
  }
  return { rssBytes, rootRssBytes, pids: alive };
}

/** The highest resident memory the kernel saw for this one process (VmHWM), in bytes; null once it has exited. */
export function processPeakRss(pid: number): number | null {
  return statusField(pid, 'VmHWM');
}

/** `rootPid` and its descendants, from the parent of each process in /proc/<pid>/stat. */
export function descendants(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const parent = parentOf(Number(entry));
    if (parent === null) continue;
    const list = children.get(parent);
    if (list) list.push(Number(entry));
    else children.set(parent, [Number(entry)]);
  }
  const found = [rootPid];
  for (let index = 0; index < found.length; index++) {
    for (const child of children.get(found[index] as number) ?? []) found.push(child);
  }
  return found;
}

function parentOf(pid: number): number | null {
  const stat = readProc(`/proc/${pid}/stat`);
  if (stat === null) return null;
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so read after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const parent = Number(fields[1]);
  return Number.isInteger(parent) ? parent : null;
}

function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): number | null {
  const status = readProc(`/proc/${pid}/status`);
  const match = status?.match(new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm'));
  return match ? Number(match[1]) * 1024 : null;
}

function readProc(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null; // the process has exited
  }
}
