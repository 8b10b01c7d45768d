import { S3Client } from '@aws-sdk/client-s3';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { compose } from '../../shared/compose';
import { loadConfig } from '../../shared/config';
import { pipelineTracer } from '../../shared/observability';
import { containerSecrets } from '../../shared/secrets-middleware';

describe('X-Ray on the AWS SDK clients the functions build', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('captures the S3 and SQS clients of the runtime, and not clients a test injects', async () => {
    // Prepare
    const capture = vi.spyOn(pipelineTracer(), 'captureAWSv3Client');
    const config = loadConfig({ RAW_BUCKET: 'raw', CURATED_BUCKET: 'curated', AWS_REGION: 'eu-west-1' });

    // Act
    const built = compose(config);
    const injected = compose(config, { s3: new S3Client({}), sqs: new SQSClient({}) });
    await built.close();
    await injected.close();

    // Assess
    expect(capture.mock.calls.map(([client]) => client?.constructor.name)).toEqual(['S3Client', 'SQSClient']);
  });

  it("captures the load function's Secrets Manager client, built on the first secret it reads", async () => {
    // Prepare
    const capture = vi.spyOn(pipelineTracer(), 'captureAWSv3Client');
    const secretsManager = mockClient(SecretsManagerClient);
    secretsManager.on(GetSecretValueCommand).resolves({ SecretString: '{}' });
    const secrets = containerSecrets();

    // Act
    const before = capture.mock.calls.length;
    await secrets.get('shop-pipeline/dev/snowflake');
    await secrets.get('shop-pipeline/dev/snowflake');

    // Assess
    expect(before).toBe(0);
    expect(capture.mock.calls.map(([client]) => client?.constructor.name)).toEqual(['SecretsManagerClient']);
    secretsManager.restore();
  });
});
