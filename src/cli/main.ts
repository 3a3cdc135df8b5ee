import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { TesseraError, errorMessage } from '../core/errors.ts';

/**
 * A command's module loads when the command runs, not with the CLI: `serve` creates a new embedded database
 * before it loads the rest of Tessera, while the process is still small (see serve.ts). The arguments that
 * Commander hands an action are typed by the command's own signature.
 */
function lazy<A extends unknown[]>(load: () => Promise<(...args: A) => Promise<void>>): (...args: A) => Promise<void> {
  return async (...args) => (await load())(...args);
}

const program = new Command()
  .name('tessera')
  .description('Tessera: one GraphQL API over plugins (game, market, model…). Settings come from the environment (see README).')
  .showHelpAfterError();

program
  .command('serve')
  .description('Start the API: GraphQL over HTTP and graphql-ws on one port')
  .action(lazy(() => import('./serve.ts').then((m) => m.serveCommand)));

program
  .command('migrate')
  .description('Apply pending database migrations (embedded database or DATABASE_URL)')
  .action(lazy(() => import('./migrate.ts').then((m) => m.migrateCommand)));

program
  .command('ingest')
  .description("Run an ingestion job to its end, e.g. game:manifest; the job's options as flags (--batch-size 500 --force)")
  .argument('<job>', 'job name, <plugin>:<job> (`tessera plugins` lists them)')
  .argument('[options...]', "the job's options: --name value, --flag, --no-flag; validated by the job, unknown ones refused")
  .allowUnknownOption()
  .helpOption('-h, --help', 'show this help (the job options are those of the job, see `tessera plugins`)')
  .action(lazy(() => import('./ingest.ts').then((m) => m.ingestCommand)));

program
  .command('plugins')
  .description('List the enabled plugins with their version, status and jobs')
  .action(lazy(() => import('./plugins.ts').then((m) => m.pluginsCommand)));

const plugin = program.command('plugin').description('Write plugins of your own');
plugin
  .command('new')
  .description('Scaffold a working plugin: a table and its first migration, a Relay connection, a CSV job with a sample, a test, a README')
  .argument('<name>', 'lowercase letters, digits and dashes, e.g. weather or acme-weather')
  .option('--dir <path>', 'where to write it (default: ./plugins/<name>)')
  .action(lazy(() => import('./plugin-new.ts').then((m) => m.newPluginCommand)));
plugin
  .command('migration')
  .description("Write a plugin's next migration: the SQL from the schema of its last migration to its prisma/schema.prisma now")
  .argument('<name>', 'what it does, e.g. add_station_name')
  .option('--dir <path>', 'the plugin folder', '.')
  .action(lazy(() => import('./plugin-migration.ts').then((m) => m.newPluginMigrationCommand)));
plugin
  .command('generate')
  .description("Generate a plugin's Prisma client from its prisma/schema.prisma (after changing its models)")
  .argument('[dir]', 'the plugin folder', '.')
  .action(lazy(() => import('./plugin-new.ts').then((m) => m.generatePluginCommand)));

const keys = program.command('keys').description('Manage API keys (stored hashed; a key is shown once, when created)');
keys
  .command('create')
  .description('Create an API key and print it')
  .requiredOption('--name <name>', 'what the key is for')
  .requiredOption('--roles <roles>', 'comma-separated: viewer, analyst, operator, admin, or plugin roles')
  .option('--expires-in-days <n>', 'expire the key after n days', positiveInteger)
  .action(lazy(() => import('./keys.ts').then((m) => m.createKeyCommand)));
keys
  .command('list')
  .description('List API keys (without secrets)')
  .option('--all', 'include revoked keys')
  .action(lazy(() => import('./keys.ts').then((m) => m.listKeysCommand)));
keys
  .command('revoke')
  .description('Revoke an API key at once')
  .argument('<id>', 'the key id, from `keys list`')
  .action(lazy(() => import('./keys.ts').then((m) => m.revokeKeyCommand)));

const runs = program.command('runs').description('Ingestion runs: list them, cancel one');
runs
  .command('list')
  .description('Recent runs with progress and counts')
  .option('--job <job>', 'only this job')
  .option('--limit <n>', 'how many', positiveInteger)
  .action(lazy(() => import('./runs.ts').then((m) => m.listRunsCommand)));
runs
  .command('cancel')
  .description('Cancel a running run, in whichever process runs it')
  .argument('<id>', 'the run id')
  .action(lazy(() => import('./runs.ts').then((m) => m.cancelRunCommand)));

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('expected a positive integer.');
  return number;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = error instanceof TesseraError ? error.code : 'ERROR';
  // The command has closed what it could (within a bound): sockets, timers or pools it left open must not keep a
  // failed process alive. Exit once the message is out, or after a second if stderr never drains.
  process.exitCode = 1;
  setTimeout(() => process.exit(1), 1_000).unref();
  process.stderr.write(`tessera: [${code}] ${errorMessage(error)}\n`, () => process.exit(1));
}
