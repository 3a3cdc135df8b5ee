// Prisma CLI configuration. The WebAssembly schema engine ("engine: js") runs migrations through
// the pg driver adapter, so no native engine binary is needed.
import path from 'node:path';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

export default defineConfig({
  experimental: { adapter: true },
  engine: 'js',
  schema: path.join('prisma', 'schema'),
  migrations: { path: path.join('prisma', 'migrations') },
  async adapter() {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) {
      throw new Error('DATABASE_URL is not set: run migrations through `npm run db:migrate`, which handles the embedded database.');
    }
    // allowExitOnIdle: the CLI exits as soon as it is done instead of waiting for idle connections to time out.
    return new PrismaPg({ connectionString, allowExitOnIdle: true, idleTimeoutMillis: 50 });
  },
});
