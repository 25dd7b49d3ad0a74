#!/usr/bin/env node
/**
 * Entry point of the CDK app: the only place that reads CDK context, the process environment and
 * the environments' configuration files.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { ConfigError } from '../lib/config';
import { CONFIG_DIRECTORY, configDirectory, selectEnvironment } from '../lib/environments';
import { createPlatform } from '../lib/platform';

const app = new App();
let environment;
try {
  environment = selectEnvironment({
    context: app.node.getAllContext(),
    files: configDirectory(CONFIG_DIRECTORY),
    credentialsAccount: process.env.CDK_DEFAULT_ACCOUNT || undefined,
  });
} catch (error) {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}

createPlatform(app, environment.config);
Validations.of(app).addPlugins(new AwsSolutionsChecks(app, { writeSuppressionsToCloudFormation: true }));
