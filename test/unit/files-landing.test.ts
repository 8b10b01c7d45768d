import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LandingFileError, landingFiles } from '../../local/landing-upload';

describe('the files npm start -- --files drops', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'landing-files-'));
    await mkdir(join(dir, 'drop'));
    await mkdir(join(dir, 'other'));
    await mkdir(join(dir, 'empty'));
    for (const name of ['sales.jsonl', 'customers.csv', 'notes.txt', 'products.csv.gz']) {
      await writeFile(join(dir, 'drop', name), '');
    }
    await writeFile(join(dir, 'other', 'sales.jsonl'), '');
    await writeFile(join(dir, 'orders.csv'), '');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('takes a folder as its contract-named files, in name order, leaving the rest', async () => {
    // Act + Assess
    expect(await landingFiles([join(dir, 'drop')])).toEqual([
      join(dir, 'drop', 'customers.csv'),
      join(dir, 'drop', 'products.csv.gz'),
      join(dir, 'drop', 'sales.jsonl'),
    ]);
  });

  it.each([
    {
      name: 'a file whose name is not in the contract',
      paths: ['orders.csv'],
      message: /orders\.csv: not a file name ingest knows \(customers\*\.csv/,
    },
    {
      name: 'a path that does not exist',
      paths: ['missing.csv'],
      message: /missing\.csv: no such file or folder/,
    },
    {
      name: 'a folder with no contract-named file',
      paths: ['empty'],
      message: /empty: no file named customers\*\.csv/,
    },
    {
      name: 'two files that would land on one key',
      paths: ['drop', 'other/sales.jsonl'],
      message: /would both land as sales\.jsonl/,
    },
  ])('refuses $name before anything starts, naming it', async ({ paths, message }) => {
    // Prepare
    const given = paths.map((path) => join(dir, path));
    // Act + Assess
    await expect(landingFiles(given)).rejects.toThrow(LandingFileError);
    await expect(landingFiles(given)).rejects.toThrow(message);
  });
});
