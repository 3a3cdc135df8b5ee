import 'reflect-metadata';
import { Command, InvalidArgumentError } from 'commander';
import { TesseraError, errorMessage } from '../core/errors.ts';
import { serveCommand } from './serve.ts';
import { migrateCommand } from './migrate.ts';
import { ingestCommand } from './ingest.ts';
import { pluginsCommand } from './plugins.ts';

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

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) throw new InvalidArgumentError('expected a positive integer.');
  return number;
}

try {
  await program.parseAsync(process.argv);
} catch (error) {
  const code = error instanceof TesseraError ? error.code : 'ERROR';
  process.stderr.write(`tessera: [${code}] ${errorMessage(error)}\n`);
  process.exitCode = 1;
}
