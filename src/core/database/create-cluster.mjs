// `node create-cluster.mjs <directory> <settings as JSON>`: creates a new PGlite database cluster (initdb) in
// <directory>, an existing empty directory, then exits. Run by ensureEmbeddedCluster (embedded-cluster.ts) in a
// short-lived process: initdb needs several hundred MB (a second Postgres instance and a copy of its whole
// WebAssembly memory), which the operating system takes back when the process exits. Plain JavaScript, so that
// it starts without a TypeScript loader.
import { MemoryFS, PGlite } from '@electric-sql/pglite';

const [directory, settingsJson] = process.argv.slice(2);
if (!directory || !settingsJson) {
  process.stderr.write('usage: node create-cluster.mjs <directory> <settings as JSON>\n');
  process.exit(2);
}
const settings = JSON.parse(settingsJson);

/**
 * The directory mounted with Node's file system, as PGlite's NodeFS does. Being a MemoryFS, it makes PGlite let
 * initdb write through it (its files go straight to disk) instead of running initdb in memory and copying the
 * result over as a tarball held in memory. Should PGlite stop doing so, it copies: the same files.
 */
class DirectNodeFS extends MemoryFS {
  constructor(root) {
    super();
    this.root = root;
  }

  async init(pg, emscriptenOpts) {
    this.pg = pg;
    const mount = (mod) => {
      mod.FS.mkdirTree('/pglite/data');
      mod.FS.mount(mod.FS.filesystems.NODEFS, { root: this.root }, '/pglite/data');
    };
    return { emscriptenOpts: { ...emscriptenOpts, preRun: [...(emscriptenOpts.preRun ?? []), mount] } };
  }
}

// The settings (-c name=value …) go into the new postgresql.conf. PGlite then starts the new cluster once: with
// the fewest shared buffers, as it only has to open and close it.
const db = await PGlite.create({
  fs: new DirectNodeFS(directory),
  initDbStartParams: settings,
  startParams: [...PGlite.defaultStartParams, ...settings, '-c', 'shared_buffers=128kB'],
});
await db.query('SELECT 1');
await db.close();
