import * as path from 'node:path';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import { Stack } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import { Construct } from 'constructs';
import { ecrImage, WorkloadConfig, WorkloadSource } from './workload';

/** Root of this repository: a workload's `directory` is relative to it. */
export const REPOSITORY_ROOT = path.join(__dirname, '..');

/**
 * The image of the workload for the stack that `scope` belongs to. An ECR image is pulled from the
 * stack's own region (`{region}` in the URI) through an imported repository, so the task execution
 * role gets exactly the pull permissions on it; other registries must be public to the tasks.
 */
export function workloadImage(scope: Construct, workload: WorkloadConfig, referenceImage: ecs.ContainerImage): ecs.ContainerImage {
  switch (workload.source) {
    case WorkloadSource.REFERENCE:
      return referenceImage;
    case WorkloadSource.DIRECTORY:
      return ecs.ContainerImage.fromAsset(path.join(REPOSITORY_ROOT, workload.directory!), { platform: Platform.LINUX_AMD64 });
    case WorkloadSource.IMAGE: {
      const region = Stack.of(scope).region;
      const ecrParts = ecrImage(workload.image!);
      if (!ecrParts) return ecs.ContainerImage.fromRegistry(workload.image!);
      const repository = ecr.Repository.fromRepositoryAttributes(scope, 'WorkloadRepository', {
        repositoryName: ecrParts.repository,
        repositoryArn: Stack.of(scope).formatArn({
          service: 'ecr',
          region,
          account: ecrParts.account,
          resource: 'repository',
          resourceName: ecrParts.repository,
        }),
      });
      return ecs.ContainerImage.fromEcrRepository(repository, ecrParts.tagOrDigest);
    }
  }
}
