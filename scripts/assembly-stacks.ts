/** The stacks of a synthesized cloud assembly, as `manifest.json` lists them: the one reader of it for the tools. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface AssemblyStack {
  readonly stackId: string;
  readonly stackName: string;
  /** The account of its environment (`aws://<account>/<region>`). @default - none: synthesized without an account */
  readonly account?: string;
  readonly region: string;
  /** Relative to the assembly directory. */
  readonly templateFile: string;
  /** The stacks it deploys after (asset artifacts left out). */
  readonly dependencies: string[];
}

export function assemblyStacks(dir: string): AssemblyStack[] {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const isStack = (artifact: any) => artifact?.type === 'aws:cloudformation:stack';
  return Object.entries<any>(manifest.artifacts)
    .filter(([, artifact]) => isStack(artifact))
    .map(([stackId, artifact]) => {
      const [, account, region] = /^aws:\/\/([^/]+)\/(.+)$/.exec(String(artifact.environment)) ?? [];
      return {
        stackId,
        stackName: artifact.properties.stackName ?? stackId,
        ...(/^\d{12}$/.test(account ?? '') ? { account } : {}),
        region: region ?? '',
        templateFile: artifact.properties.templateFile,
        dependencies: (artifact.dependencies ?? []).filter((dependency: string) => isStack(manifest.artifacts[dependency])),
      };
    });
}

/** A stack's template, parsed. */
export function readTemplate(dir: string, stack: Pick<AssemblyStack, 'templateFile'>): any {
  return JSON.parse(fs.readFileSync(path.join(dir, stack.templateFile), 'utf8'));
}
