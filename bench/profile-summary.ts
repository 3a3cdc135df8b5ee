import fs from 'node:fs/promises';

/**
 * Summarizes a V8 CPU profile (node --cpu-prof): self time by package (or area of Tessera) and the hottest
 * functions. `node --import tsx bench/profile-summary.ts bench/results/profiles/<file>.cpuprofile [top]`
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

function areaOf(url: string, name: string): string {
  if (name === '(garbage collector)') return 'garbage collection';
  if (name === '(idle)' || name === '(program)' || name === '(root)') return name;
  const module = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (module) return module[1]!;
  const own = /\/src\/([^/]+(?:\/[^/]+)?)\//.exec(url);
  if (own) return `tessera ${own[1]}`;
  if (url.startsWith('node:') || url === '') return 'node internals';
  return url;
}

async function main(): Promise<void> {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error('usage: bench/profile-summary.ts <file.cpuprofile> [top]');
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(await fs.readFile(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfTime = new Map<number, number>();
  profile.samples.forEach((id, index) => selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const areas = new Map<string, number>();
  const functions = new Map<string, number>();
  let busy = 0;
  for (const [id, micros] of selfTime) {
    const { callFrame } = byId.get(id)!;
    const area = areaOf(callFrame.url, callFrame.functionName);
    if (area === '(idle)') continue;
    busy += micros;
    areas.set(area, (areas.get(area) ?? 0) + micros);
    const name = `${callFrame.functionName || '(anonymous)'} ${callFrame.url.replace(/^.*\/(node_modules|src)\//, '$1/')}:${callFrame.lineNumber + 1}`;
    functions.set(name, (functions.get(name) ?? 0) + micros);
  }
  const print = (title: string, entries: Map<string, number>) => {
    console.log(`\n${title} (share of ${(busy / 1e6).toFixed(1)} s busy CPU)`);
    for (const [name, micros] of [...entries].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      console.log(`${((micros / busy) * 100).toFixed(1).padStart(5)} %  ${name}`);
    }
  };
  print('self time by area', areas);
  print('hottest functions', functions);
}

await main();
