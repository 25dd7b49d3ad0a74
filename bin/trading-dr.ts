#!/usr/bin/env node
/**
 * Entry point of the CDK app: the only place that reads CDK context and the process environment.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError, RawPlatformConfig, resolvePlatformConfig } from '../lib/config';
import { createPlatform } from '../lib/platform';

const app = new App();
const context = (key: keyof RawPlatformConfig): unknown => app.node.tryGetContext(key);

let config;
try {
  config = resolvePlatformConfig({
    environmentSuffix: context('environmentSuffix'),
    primaryRegion: context('primaryRegion'),
    secondaryRegion: context('secondaryRegion'),
    logRetentionDays: context('logRetentionDays'),
    domainName: context('domainName'),
    account: context('account') ?? process.env.CDK_DEFAULT_ACCOUNT,
    primaryCertificateArn: context('primaryCertificateArn'),
    secondaryCertificateArn: context('secondaryCertificateArn'),
    primaryAvailabilityZones: context('primaryAvailabilityZones'),
    secondaryAvailabilityZones: context('secondaryAvailabilityZones'),
    primaryVpcCidr: context('primaryVpcCidr'),
    secondaryVpcCidr: context('secondaryVpcCidr'),
    failoverProbeCount: context('failoverProbeCount'),
    failoverProbeIntervalSeconds: context('failoverProbeIntervalSeconds'),
  });
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

createPlatform(app, config);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
