import cronParser from 'cron-parser';
import { z } from 'zod';
import type { Database } from '../database/database.ts';
import { ConfigError } from '../errors.ts';

/**
 * TESSERA_JOB_SCHEDULES: a JSON object of job name → cron pattern (5 fields, or 6 with seconds first), parsed by
 * cron-parser, the parser BullMQ's job schedulers use, so both backends read a pattern the same way.
 */
export const jobSchedulesSchema = z
  .string()
  .optional()
  .transform((text, ctx) => {
    if (text === undefined) return {};
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: `expected JSON such as '{"game:manifest":"0 */6 * * *"}'` });
      return z.NEVER;
    }
  })
  .pipe(
    z.record(z.string(), z.string({ error: 'expected a cron pattern string per job name' })).superRefine((schedules, ctx) => {
      for (const [job, pattern] of Object.entries(schedules)) {
        const problem = cronProblem(pattern);
        if (problem) {
          ctx.addIssue({
            code: 'custom',
            path: [job],
            message: `job '${job}' has an invalid cron pattern "${pattern}" (${problem}); use 5 fields (minute hour day month weekday) or 6 with seconds first, e.g. "0 */6 * * *"`,
          });
        }
      }
    }),
  );

function cronProblem(pattern: string): string | undefined {
  const fields = pattern.trim().split(/\s+/).length;
  if (fields < 5 || fields > 6) return `${fields} fields`;
  try {
    cronParser.parseExpression(pattern);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** Fails start-up when a schedule names a job no enabled plugin offers. */
export function checkScheduledJobs(schedules: Record<string, string>, known: readonly string[]): void {
  const unknown = Object.keys(schedules).filter((job) => !known.includes(job));
  if (unknown.length === 0) return;
  throw new ConfigError(
    `TESSERA_JOB_SCHEDULES names ${unknown.map((job) => `'${job}'`).join(', ')}, which no enabled plugin offers (jobs: ${known.join(', ') || 'none'}): ` +
      'fix the name or enable the plugin that offers it.',
  );
}

/** The next tick of a pattern after `after`. */
export function nextTick(pattern: string, after: Date): Date {
  return cronParser.parseExpression(pattern, { currentDate: after }).next().toDate();
}

/**
 * Claims a tick of a job's schedule for this instance: the first instance to move the job's last-tick cursor to
 * this tick wins, so several in-process instances sharing a database start one run per tick.
 */
export async function claimTick(db: Database, job: string, tick: Date): Promise<boolean> {
  const key = 'schedule:lastTick';
  const value = tick.toISOString();
  await db.prisma.jobCursor.createMany({ data: [{ job, key, value: '' }], skipDuplicates: true });
  const { count } = await db.prisma.jobCursor.updateMany({ where: { job, key, value: { lt: value } }, data: { value } });
  return count === 1;
}
