import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { TesseraError, errorMessage } from '../core/errors.ts';
import { serveCommand } from './serve.ts';
import { migrateCommand } from './migrate.ts';
import { ingestCommand } from './ingest.ts';
import { pluginsCommand } from './plugins.ts';
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
  .description('Run an ingestion job, e.g. game:manifest')
  .argument('<job>', 'job name, <plugin>:<job>')
  .option('--batch-size <n>', 'records per batch (each batch is one transaction)', positiveInteger)
  .option('--lang <languages>', 'comma-separated languages, e.g. en,fr')
  .option('--force', 'load even if the upstream has not changed')
  .action(ingestCommand);

program.command('plugins').description('List the enabled plugins with their version, status and jobs').action(pluginsCommand);

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
