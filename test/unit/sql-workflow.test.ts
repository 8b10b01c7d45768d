/**
 * The schema CI/CD workflow (.github/workflows/sql.yml): valid YAML, calling only commands this
 * project has, with the flags `npm run migrate` knows; dry runs on pull requests and the apply on main
 * only; credentials never on a command line. Its `check` job's commands are run here as CI would.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  env?: Record<string, string>;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: {
    pull_request?: { paths?: string[] };
    push?: { branches?: string[]; paths?: string[] };
  };
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflow = parse(readFileSync(join(root, '.github/workflows/sql.yml'), 'utf8')) as Workflow;
const scripts = Object.keys(
  (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> })
    .scripts,
);
const runs = (job: Job) => job.steps.flatMap((s) => (s.run ? [s.run] : []));
const allRuns = Object.values(workflow.jobs).flatMap(runs);
/** Each `npm run migrate -- ...` command of a job, as one line. */
const migrateCommands = (job: Job) =>
  runs(job)
    .flatMap((r) => r.split('\n'))
    .filter((line) => line.includes('npm run migrate'));

describe('.github/workflows/sql.yml', () => {
  let migrateFlags: string[];
  beforeAll(async () => {
    const help = await run(process.execPath, ['--import', 'tsx', 'local/migrate.ts', '--help'], {
      cwd: root,
      timeout: 60_000,
    });
    // The usage line's `-- --target` and every option line's flag.
    migrateFlags = [...help.stdout.matchAll(/(?<=^ {2}|-- )--[a-z][a-z-]*/gm)].map((m) => m[0]);
  });

  it('calls only npm scripts of package.json and binaries npx finds in node_modules', () => {
    // Prepare
    const npmRuns = allRuns.flatMap((r) => [...r.matchAll(/\bnpm run ([\w:-]+)/g)].map((m) => m[1]!));
    const npx = allRuns.flatMap((r) => [...r.matchAll(/\bnpx ([\w@/.-]+)/g)].map((m) => m[1]!));
    const npmCommands = allRuns.flatMap((r) => [...r.matchAll(/\bnpm (\w+)/g)].map((m) => m[1]!));

    // Assess
    expect(npmRuns).toContain('migrate');
    for (const script of npmRuns) expect(scripts, `npm run ${script}`).toContain(script);
    for (const bin of npx)
      expect(existsSync(join(root, 'node_modules', '.bin', bin)), `npx ${bin}`).toBe(true);
    for (const command of npmCommands) expect(['ci', 'run', 'test'], `npm ${command}`).toContain(command);
  });

  it('passes npm run migrate only flags it knows', () => {
    // Prepare
    const used = Object.values(workflow.jobs)
      .flatMap(migrateCommands)
      .flatMap((line) => [...line.matchAll(/(?<=\s)--[a-z][a-z-]*/g)].map((m) => m[0]));
    const renderFlags = [...(workflow.env?.RENDER_VARS ?? '').matchAll(/--[a-z][a-z-]*/g)].map((m) => m[0]);

    // Assess
    expect(migrateFlags).toEqual(expect.arrayContaining(['--dry-run', '--plan', '--secret-id', '--var']));
    for (const flag of [...used, ...renderFlags]) expect(migrateFlags, flag).toContain(flag);
  });

  it('runs on a change under sql/: dry runs for a pull request, the apply on main only, one at a time', () => {
    // Prepare
    const { check, 'dry-run': dryRun, apply } = workflow.jobs;

    // Assess
    expect(workflow.on.pull_request?.paths).toContain('sql/**');
    expect(workflow.on.push?.paths).toContain('sql/**');
    expect(workflow.on.push?.branches).toEqual(['main']);
    expect(check?.if).toBeUndefined();
    expect(dryRun?.if).toContain("github.event_name == 'pull_request'");
    for (const line of migrateCommands(dryRun!)) expect(line).toMatch(/ --(dry-run|plan) /);
    expect(apply?.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(apply?.needs).toBe('check');
    expect(apply?.environment).toBe('snowflake');
    expect(apply?.concurrency).toEqual({ group: 'sql-apply-snowflake', 'cancel-in-progress': false });
    expect(migrateCommands(apply!).some((line) => !/--(dry-run|plan)/.test(line))).toBe(true);
    for (const job of Object.values(workflow.jobs)) {
      const setup = job.steps.find((s) => s.uses?.startsWith('actions/setup-node'));
      expect(setup?.with?.['node-version']).toBe(20);
      expect(runs(job)).toContain('npm ci --no-audit --no-fund');
    }
  });

  it('hands the Snowflake credentials over as a private file from a secret, never on a command line', () => {
    // Prepare
    const withSecrets = Object.entries(workflow.jobs).filter(([, job]) =>
      JSON.stringify(job).includes('secrets.'),
    );

    // Assess
    expect(withSecrets.map(([id]) => id).sort()).toEqual(['apply', 'dry-run']);
    for (const run of allRuns) expect(run).not.toContain('${{ secrets.');
    for (const [, job] of withSecrets) {
      const write = job.steps.findIndex((s) => s.env?.SNOWFLAKE_CREDENTIALS);
      const remove = job.steps.findIndex((s) => s.run?.startsWith('rm -f "$RUNNER_TEMP/snowflake.json"'));
      expect(job.steps[write]?.env?.SNOWFLAKE_CREDENTIALS).toBe(
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, as written
        '${{ secrets.SNOWFLAKE_MIGRATE_CREDENTIALS }}',
      );
      expect(job.steps[write]?.run).toMatch(/^umask 077\nprintf '%s' "\$SNOWFLAKE_CREDENTIALS" > /);
      expect(remove).toBe(job.steps.length - 1);
      expect(job.steps[remove]?.if).toBe('always()');
      for (const line of migrateCommands(job)) {
        expect(line).toContain('--secret-id "file:$RUNNER_TEMP/snowflake.json"');
      }
    }
  });

  describe("the check job's commands, run as CI runs them", () => {
    let temp: string;
    beforeAll(async () => {
      temp = await mkdtemp(join(tmpdir(), 'sql-workflow-'));
    });
    afterAll(async () => {
      await rm(temp, { recursive: true, force: true });
    });

    it('apply the portable scripts to a fresh DuckDB, plan nothing pending, and render every Snowflake script', async () => {
      // Prepare
      const steps = workflow.jobs.check!.steps.filter((s) => s.run?.includes('npm run migrate'));

      // Act
      const outputs: string[] = [];
      for (const step of steps) {
        const out = await run('bash', ['-e', '-c', step.run!], {
          cwd: root,
          timeout: 120_000,
          env: { ...process.env, ...workflow.env, RUNNER_TEMP: temp },
        });
        outputs.push(out.stdout);
      }

      // Assess
      expect(steps).toHaveLength(2);
      expect(outputs[0]).toContain(`script(s) applied on ${join(temp, 'ci.duckdb')}`);
      expect(outputs[0]).toMatch(/up to date: \d+ script\(s\) applied/);
      expect(outputs[1]).toMatch(/\d+ script\(s\) would run on Snowflake/);
      expect(outputs[1]).not.toContain('{{');
      expect(outputs[1]).toContain('would apply snowflake/optional/V2.1.0__raw_entity_pipes.sql');
      expect(outputs[1]).toContain('would apply snowflake/optional/R__raw_transform.sql');
    });
  });
});
