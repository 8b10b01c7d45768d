/**
 * `npm run test:chaos -- [--runs N] [--seed S]`: N randomised fault schedules (default 200) drawn
 * from a seed, each run through the embedded stack; every one must end with the warehouse of a
 * clean run and nothing in a dead-letter queue. Prints each schedule that differs (with its DLQ
 * messages), then the counts; exits non-zero on any difference.
 */
import { isDeepStrictEqual, parseArgs } from 'node:util';
import {
  type Crash,
  FaultInjector,
  type FaultPlan,
  FUNCTION_OF_POINT,
  WRITE_POINTS,
} from '../../local/faults';
import { runWithFaults } from '../helpers/fault-run';

/** Mulberry32: a small seeded generator, so a schedule replays from its seed. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * One schedule: up to two crashes, each a thrown error or (one in three) the process killed (a
 * message then fails at most twice, and its third receive succeeds, as maxReceiveCount 3 allows),
 * any mix of duplicated, concurrent, reversed and late deliveries, and sometimes API faults.
 */
export function schedule(rng: () => number): { plan: FaultPlan; replayS3Events: boolean } {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rng() * items.length)] as T;
  const crashes: Crash[] = [];
  const count = Math.floor(rng() * 3);
  for (let i = 0; i < count; i += 1)
    crashes.push({ point: pick(WRITE_POINTS), nth: 1 + Math.floor(rng() * 2), kill: rng() < 1 / 3 });
  // Two loaders in two processes cannot open one DuckDB file at once (Snowflake sessions can), so a
  // loader that runs in a child process gets no concurrent copy.
  const loadInProcess = !crashes.some((c) => c.kill && FUNCTION_OF_POINT[c.point] === 'load');
  const api: FaultPlan['api'][] = [
    undefined,
    { failFirst: { status: 429, count: 2 } },
    { failFirst: { status: 500, count: 1 } },
    { sequence: ['ok', 'truncate'] },
  ];
  return {
    plan: {
      crashes,
      duplicateS3Events: rng() < 0.3,
      duplicateInvocations: rng() < 0.3,
      concurrentRedelivery: rng() < 0.2 && (loadInProcess || ['ingest', 'enrich', 'convert']),
      reverseBatches: rng() < 0.5,
      api: pick(api),
    },
    replayS3Events: rng() < 0.3,
  };
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { runs: { type: 'string' }, seed: { type: 'string' } } });
  const runs = Number(values.runs ?? 200);
  const seed = Number(values.seed ?? 1);
  const rng = random(seed);
  const started = Date.now();
  const clean = (await runWithFaults(undefined)).totals;
  // First every write point once with its process killed, then the random schedules.
  let killsIdentical = 0;
  for (const point of WRITE_POINTS) {
    const faults = new FaultInjector({ crashes: [{ point, kill: true }] });
    const result = await runWithFaults(faults);
    if (result.deadLetters === 0 && isDeepStrictEqual(result.totals, clean) && faults.killed.length === 1)
      killsIdentical += 1;
    else
      process.stderr.write(
        `kill at ${point} differs: ${JSON.stringify({ killed: faults.killed, result, clean })}\n`,
      );
  }
  process.stdout.write(
    `chaos: process killed at each of ${WRITE_POINTS.length} write points: ${killsIdentical} identical\n`,
  );
  let identical = 0;
  let sameTotals = 0;
  let crashes = 0;
  let kills = 0;
  for (let run = 1; run <= runs; run += 1) {
    const { plan, replayS3Events } = schedule(rng);
    const result = await runWithFaults(new FaultInjector(plan), { replayS3Events });
    crashes += result.crashed.length;
    kills += result.killed.length;
    const totalsMatch = isDeepStrictEqual(result.totals, clean);
    if (totalsMatch) sameTotals += 1;
    if (result.deadLetters === 0 && totalsMatch) identical += 1;
    else {
      process.stderr.write(
        `schedule ${run} (seed ${seed}) differs: ${JSON.stringify({ plan, replayS3Events, result, clean })}\n`,
      );
    }
    if (run % 10 === 0) process.stderr.write(`${run}/${runs} schedules, ${identical} identical\n`);
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  process.stdout.write(
    `chaos: ${runs} fault schedules (seed ${seed}, ${crashes} crashes injected, ${kills} of them process kills): ${sameTotals} ended with identical ` +
      `totals; ${identical} also with empty dead-letter queues; ${runs - identical} differed (${seconds} s)\n`,
  );
  if (identical !== runs || killsIdentical !== WRITE_POINTS.length) process.exitCode = 1;
}

await main();
