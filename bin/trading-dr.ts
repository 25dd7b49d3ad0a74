#!/usr/bin/env node
/**
 * Entry point of the CDK app: the only place that reads CDK context, the process environment and
 * the environments' configuration files.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { ConfigError } from '../lib/config';
import { CONFIG_DIRECTORY, configDirectory, selectEnvironment } from '../lib/environments';
import { blockingPlugin, platformRulePacks } from '../lib/nag';
import { createPlatform } from '../lib/platform';
import { REPOSITORY_ROOT } from '../lib/workload-image';

const app = new App();
let environment;
try {
  environment = selectEnvironment({
    context: app.node.getAllContext(),
    files: configDirectory(CONFIG_DIRECTORY),
    credentialsAccount: process.env.CDK_DEFAULT_ACCOUNT || undefined,
    repository: { exists: (relativePath) => fs.existsSync(path.join(REPOSITORY_ROOT, relativePath)) },
  });
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

createPlatform(app, environment.config, { configurationName: environment.name });
Validations.of(app).addPlugins(...platformRulePacks(app, { writeSuppressionsToCloudFormation: true }).map(blockingPlugin));
