/**
 * The container the platform runs in both regions: the reference trading service (`service/`), or
 * a platform team's own workload, given by an image URI or a local build directory. Validated
 * here, at synth time, with errors that name the key, the value and the rule.
 */
import { ConfigError, ProblemCollector } from './config-error';

/** Where the workload's image comes from. */
export enum WorkloadSource {
  /** The reference trading service, built from `service/`. */
  REFERENCE = 'reference',
  /** A pushed image, by URI. */
  IMAGE = 'image',
  /** A Docker build context in this repository, built and pushed by `cdk deploy`. */
  DIRECTORY = 'directory',
}

export interface WorkloadConfig {
  readonly source: WorkloadSource;
  /**
   * Image URI with an explicit tag or digest; for Amazon ECR with `{region}` in place of the
   * region, replaced by each stack's own region.
   */
  readonly image?: string;
  /** Build context relative to the repository root; it must hold a Dockerfile. */
  readonly directory?: string;
  readonly port: number;
  /** Liveness: the load balancer's target health check. */
  readonly livenessPath: string;
  /** Readiness: the Route 53 health checks and the failover orchestrator probe it through the load balancer. */
  readonly readinessPath: string;
  /** Fargate task CPU units. */
  readonly cpu: number;
  readonly memoryMiB: number;
  /** Tasks per region. */
  readonly desiredCount: number;
}

export const WORKLOAD_DEFAULTS = {
  port: 8080,
  livenessPath: '/healthz',
  readinessPath: '/ready',
  cpu: 1024,
  memoryMiB: 2048,
  desiredCount: 2,
} as const;

/** Every key of `workload`, in the order the README documents them. */
export const WORKLOAD_KEYS = ['image', 'directory', 'port', 'livenessPath', 'readinessPath', 'cpu', 'memoryMiB', 'desiredCount'] as const;

/**
 * Memory (MiB) Fargate accepts for each task CPU value, Linux (Amazon ECS Developer Guide, *Amazon
 * ECS task definition parameters for Fargate*, Task size).
 */
export const FARGATE_MEMORY_BY_CPU: Readonly<Record<number, readonly number[]>> = {
  256: [512, 1024, 2048],
  512: range(1024, 4096, 1024),
  1024: range(2048, 8192, 1024),
  2048: range(4096, 16384, 1024),
  4096: range(8192, 30720, 1024),
  8192: range(16384, 61440, 4096),
  16384: range(32768, 122880, 8192),
};

/** Amazon ECR private registry host: `<account>.dkr.ecr.<region>.amazonaws.com`. */
const ECR_IMAGE = /^(\d{12})\.dkr\.ecr\.([^./]+)\.amazonaws\.com(\.cn)?\/([a-z0-9][a-z0-9._/-]*)(?::([\w][\w.-]{0,127})|@(sha256:[a-f0-9]{64}))$/;
/** Any other registry: `host[:port]/path` (or a Docker Hub name) with a tag or a digest. */
const OTHER_IMAGE = /^([a-z0-9.-]+(:\d+)?\/)?[a-z0-9][a-z0-9._/-]*(?::([\w][\w.-]{0,127})|@(sha256:[a-f0-9]{64}))$/;
const REGION_PLACEHOLDER = '{region}';

/** Parses `workload` (an object in a configuration file, or its JSON text from `-c workload=...`). */
export function parseWorkload(raw: unknown, production: boolean): WorkloadConfig {
  const key = (name: string) => `workload.${name}`;
  let value = raw;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      throw ConfigError.of('workload', raw, 'must be an object (in -c workload=..., its JSON text)');
    }
  }
  if (value === undefined || value === null) value = {};
  if (typeof value !== 'object' || Array.isArray(value)) throw ConfigError.of('workload', raw, 'must be an object');
  const given = value as Record<string, unknown>;
  const problems = new ProblemCollector();
  for (const name of Object.keys(given)) {
    if (!(WORKLOAD_KEYS as readonly string[]).includes(name))
      problems.add(key(name), given[name], `is not a workload key; the keys are ${WORKLOAD_KEYS.join(', ')}`);
  }
  const text = (name: string): string | undefined => {
    const item = given[name];
    if (item === undefined) return undefined;
    if (typeof item !== 'string' || item.trim() === '') {
      problems.add(key(name), item, 'must be a non-empty string');
      return undefined;
    }
    return item.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const item = given[name] ?? fallback;
    const number = typeof item === 'string' && /^\d+$/.test(item) ? Number(item) : item;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < min || number > max) {
      problems.add(key(name), item, `must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return number;
  };
  const path = (name: string, fallback: string): string => {
    const item = text(name) ?? fallback;
    if (!/^\/[\w\-./~%]*$/.test(item)) {
      problems.add(key(name), item, 'must be an absolute URL path such as /ready, without query or spaces');
      return fallback;
    }
    return item;
  };

  const image = text('image');
  const directory = text('directory');
  if (image !== undefined && directory !== undefined) {
    problems.add('workload', { image, directory }, 'give either image (a pushed image) or directory (a build context), not both');
  }
  if (image !== undefined) problems.attempt(() => validateImage(image), undefined);
  if (directory !== undefined && (directory.startsWith('/') || directory.split(/[\\/]/).includes('..'))) {
    problems.add(key('directory'), directory, 'must be a path inside this repository, relative to its root (cdk deploy builds it as a Docker context)');
  }

  const port = integer('port', WORKLOAD_DEFAULTS.port, 1024, 65535);
  const livenessPath = path('livenessPath', WORKLOAD_DEFAULTS.livenessPath);
  const readinessPath = path('readinessPath', WORKLOAD_DEFAULTS.readinessPath);
  if (livenessPath === readinessPath) {
    problems.add(
      key('readinessPath'),
      readinessPath,
      'must differ from livenessPath: liveness must not depend on the database (else ECS replaces every task during a database outage), readiness must',
    );
  }
  const cpu = integer('cpu', WORKLOAD_DEFAULTS.cpu, 256, 16384);
  const memoryMiB = integer('memoryMiB', WORKLOAD_DEFAULTS.memoryMiB, 512, 122880);
  const allowed = FARGATE_MEMORY_BY_CPU[cpu];
  if (!allowed) problems.add(key('cpu'), cpu, `must be a Fargate task size: ${Object.keys(FARGATE_MEMORY_BY_CPU).join(', ')}`);
  else if (!allowed.includes(memoryMiB)) {
    problems.add(
      key('memoryMiB'),
      memoryMiB,
      `is not a Fargate memory size for cpu ${cpu}: from ${allowed[0]} to ${allowed[allowed.length - 1]} in steps of ${allowed[1] - allowed[0]}`,
    );
  }
  const desiredCount = integer('desiredCount', WORKLOAD_DEFAULTS.desiredCount, 1, 100);
  if (production && desiredCount < 2) {
    problems.add(key('desiredCount'), desiredCount, 'must be at least 2 in the production posture: one task is a single point of failure inside the region');
  }
  problems.throwIfAny();
  const source = image !== undefined ? WorkloadSource.IMAGE : directory !== undefined ? WorkloadSource.DIRECTORY : WorkloadSource.REFERENCE;
  return { source, image, directory, port, livenessPath, readinessPath, cpu, memoryMiB, desiredCount };
}

/** The parts of an Amazon ECR image URI; undefined for other registries. */
export function ecrImage(uri: string): { account: string; region: string; repository: string; tagOrDigest: string } | undefined {
  const match = ECR_IMAGE.exec(uri);
  return match ? { account: match[1], region: match[2], repository: match[4], tagOrDigest: match[5] ?? match[6] } : undefined;
}

function validateImage(image: string): void {
  const rule = 'must be an image URI with an explicit tag or digest, e.g. 111122223333.dkr.ecr.{region}.amazonaws.com/orders:1.4.2';
  const ecr = ecrImage(image);
  if (ecr) {
    // A registry in one region cannot serve the other while that region is down: the standby
    // could not start or scale tasks exactly when it takes over.
    if (ecr.region !== REGION_PLACEHOLDER) {
      throw ConfigError.of(
        'workload.image',
        image,
        `names the ECR registry of ${ecr.region} only: write ${REGION_PLACEHOLDER} in its place, so each region pulls from its own registry, and replicate the repository to both regions (ECR cross-region replication)`,
      );
    }
  } else if (!OTHER_IMAGE.exec(image)) {
    throw ConfigError.of('workload.image', image, rule);
  }
  if (/:latest$/.test(image)) throw ConfigError.of('workload.image', image, 'must not use the mutable tag latest: a deployment must name what it runs');
}

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
}

/**
 * Checks that a workload's build directory holds a Dockerfile, so a wrong path fails with the
 * configuration's key before CDK reaches the asset. `fileExists` is the file-system seam.
 */
export function checkWorkloadDirectory(workload: WorkloadConfig, fileExists: (relativePath: string) => boolean): void {
  if (workload.source !== WorkloadSource.DIRECTORY) return;
  const dockerfile = `${workload.directory!.replace(/\/+$/, '')}/Dockerfile`;
  if (!fileExists(dockerfile)) {
    throw ConfigError.of('workload.directory', workload.directory, `must hold a Dockerfile (${dockerfile} does not exist in this repository)`);
  }
}
