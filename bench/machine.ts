import os from 'node:os';

export interface MachineInfo {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  /** Share of CPU time spent busy over a short sample, 0 to 1: other work on the machine skews the ratios. */
  cpuBusy: number;
}

/** Describes the machine, sampling how busy its CPUs are over `sampleMs`. */
export async function sampleMachine(sampleMs = 1_000): Promise<MachineInfo> {
  const before = cpuTimes();
  await new Promise((resolve) => setTimeout(resolve, sampleMs));
  const after = cpuTimes();
  const total = after.total - before.total;
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model ?? 'unknown',
    cpuBusy: total > 0 ? 1 - (after.idle - before.idle) / total : 0,
  };
}

function cpuTimes(): { idle: number; total: number } {
  let idle = 0;
  let total = 0;
  for (const { times } of os.cpus()) {
    idle += times.idle;
    total += times.user + times.nice + times.sys + times.idle + times.irq;
  }
  return { idle, total };
}
