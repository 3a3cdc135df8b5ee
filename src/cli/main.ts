import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { TesseraError, errorMessage } from '../core/errors.ts';
import { serveCommand } from './serve.ts';
import { migrateCommand } from './migrate.ts';
import { ingestCommand } from './ingest.ts';
import { pluginsCommand } from './plugins.ts';
import { generatePluginCommand, newPluginCommand } from './plugin-new.ts';
import { newPluginMigrationCommand } from './plugin-migration.ts';
import { createKeyCommand, listKeysCommand, revokeKeyCommand } from './keys.ts';
import { cancelRunCommand, listRunsCommand } from './runs.ts';

const program = new Command()
  .name('tessera')
  .description('Tessera: one GraphQL API over plugins (game, market, model…). Settings come from the environment (see README).')
  .showHelpAfterError();

program.command('serve').description('Start the API: GraphQL over HTTP and graphql-ws on one port').action(serveCommand);

program.command('migrate').description('Apply pending database migrations (embedded database or DATABASE_URL)').action(migrateCommand);

program
  .command('ingest')
  .description("Run an ingestion job to its end, e.g. game:manifest; the job's options as flags (--batch-size 500 --force)")
  .argument('<job>', 'job name, <plugin>:<job> (`tessera plugins` lists them)')
  .argument('[options...]', "the job's options: --name value, --flag, --no-flag; validated by the job, unknown ones refused")
  .allowUnknownOption()
  .helpOption('-h, --help', 'show this help (the job options are those of the job, see `tessera plugins`)')
  .action(ingestCommand);

program.command('plugins').description('List the enabled plugins with their version, status and jobs').action(pluginsCommand);

const plugin = program.command('plugin').description('Write plugins of your own');
plugin
  .command('new')
  .description('Scaffold a working plugin: a table and its first migration, a Relay connection, a CSV job with a sample, a test, a README')
  .argument('<name>', 'lowercase letters, digits and dashes, e.g. weather or acme-weather')
  .option('--dir <path>', 'where to write it (default: ./plugins/<name>)')
  .action(newPluginCommand);
plugin
  .command('migration')
  .description("Write a plugin's next migration: the SQL from the schema of its last migration to its prisma/schema.prisma now")
  .argument('<name>', 'what it does, e.g. add_station_name')
  .option('--dir <path>', 'the plugin folder', '.')
  .action(newPluginMigrationCommand);
plugin
  .command('generate')
  .description("Generate a plugin's Prisma client from its prisma/schema.prisma (after changing its models)")
  .argument('[dir]', 'the plugin folder', '.')
  .action(generatePluginCommand);

const keys = program.command('keys').description('Manage API keys (stored hashed; a key is shown once, when created)');
keys
  .command('create')
  .description('Create an API key and print it')
  .requiredOption('--name <name>', 'what the key is for')
  .requiredOption('--roles <roles>', 'comma-separated: viewer, analyst, operator, admin, or plugin roles')
  .option('--expires-in-days <n>', 'expire the key after n days', positiveInteger)
  .action(createKeyCommand);
keys.command('list').description('List API keys (without secrets)').option('--all', 'include revoked keys').action(listKeysCommand);
keys.command('revoke').description('Revoke an API key at once').argument('<id>', 'the key id, from `keys list`').action(revokeKeyCommand);

const runs = program.command('runs').description('Ingestion runs: list them, cancel one');
runs
  .command('list')
  .description('Recent runs with progress and counts')
  .option('--job <job>', 'only this job')
  .option('--limit <n>', 'how many', positiveInteger)
  .action(listRunsCommand);
runs.command('cancel').description('Cancel a running run, in whichever process runs it').argument('<id>', 'the run id').action(cancelRunCommand);

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
