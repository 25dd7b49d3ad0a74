import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/** A replica of the session table in another region. */
export interface SessionTableReplica {
  readonly region: string;
  /** ARN of the customer-managed key in that region. */
  readonly encryptionKeyArn: string;
}

export interface SessionTableProps {
  readonly tableName: string;
  /** Key of the table in the stack's own region. */
  readonly encryptionKey: kms.IKey;
  /** Replicas in other regions; never the stack's own region. */
  readonly replicas: SessionTableReplica[];
  /** Attribute holding the expiry time in epoch seconds. @default 'expiresAt' */
  readonly timeToLiveAttribute?: string;
  /** Deletion protection on the table in this region and on every replica. @default false */
  readonly deletionProtection?: boolean;
}

/**
 * The session store: a DynamoDB global table (multi-region, last-writer-wins replication), billed
 * on demand, encrypted with each region's own key, with point-in-time recovery on every replica.
 */
export class SessionTable extends Construct {
  public static readonly PARTITION_KEY = 'sessionId';
  public readonly table: dynamodb.TableV2;

  constructor(scope: Construct, id: string, props: SessionTableProps) {
    super(scope, id);
    const deletionProtection = props.deletionProtection ?? false;
    const pointInTimeRecovery: dynamodb.PointInTimeRecoverySpecification = { pointInTimeRecoveryEnabled: true };
    this.table = new dynamodb.TableV2(this, 'Table', {
      tableName: props.tableName,
      partitionKey: { name: SessionTable.PARTITION_KEY, type: dynamodb.AttributeType.STRING },
      billing: dynamodb.Billing.onDemand(),
      timeToLiveAttribute: props.timeToLiveAttribute ?? 'expiresAt',
      pointInTimeRecoverySpecification: pointInTimeRecovery,
      encryption: dynamodb.TableEncryptionV2.customerManagedKey(
        props.encryptionKey,
        Object.fromEntries(props.replicas.map((replica) => [replica.region, replica.encryptionKeyArn])),
      ),
      // Stated on each replica as well, so that no replica depends on inheritance to be recoverable.
      replicas: props.replicas.map((replica) => ({ region: replica.region, pointInTimeRecoverySpecification: pointInTimeRecovery, deletionProtection })),
      deletionProtection,
      removalPolicy: RemovalPolicy.DESTROY,
    });
  }
}
