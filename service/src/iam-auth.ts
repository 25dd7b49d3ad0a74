/**
 * IAM database authentication: the application logs in with a token signed by its task role
 * instead of a stored password ("An authentication token is a unique string of characters that
 * Amazon RDS generates on request... Each token has a lifetime of 15 minutes", Aurora User Guide,
 * *IAM database authentication*). The token is a SigV4 presigned `connect` request for one host,
 * port, user and region, made locally: no API call.
 */
import { defaultProvider } from '@aws-sdk/credential-provider-node';
import { Signer } from '@aws-sdk/rds-signer';
import { Endpoint } from './network';

export interface IamTokenOptions {
  readonly region: string;
  /** @default - the SDK's default chain (the ECS task role in AWS) */
  readonly credentials?: ConstructorParameters<typeof Signer>[0]['credentials'];
}

/** A password provider for {@link PgSqlPort}: a fresh token for the endpoint of each new connection. */
export function iamTokenProvider(options: IamTokenOptions): (endpoint: Endpoint, user: string) => Promise<string> {
  // One credential chain for every token: a Signer without credentials would build its own chain,
  // one fetch of the task's credentials per new connection, worst in a reconnect storm.
  const credentials = options.credentials ?? defaultProvider();
  return (endpoint, user) => new Signer({ hostname: endpoint.host, port: endpoint.port, username: user, region: options.region, credentials }).getAuthToken();
}
