// Connection settings for the Temporal frontend: address, namespace, TLS/mTLS or API key.
import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';

export interface TemporalTarget {
  address?: string;
  namespace?: string;
  /** mTLS client cert/key files and server CA */
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  apiKey?: string;
}

export function temporalAddress(t: TemporalTarget): string {
  return t.address ?? process.env.PARITY_TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
}

export function connectOptions(t: TemporalTarget) {
  const tls =
    t.tlsCert || t.tlsCa || t.apiKey || process.env.TEMPORAL_API_KEY
      ? {
          ...(t.tlsCa ? { serverRootCACertificate: readFileSync(t.tlsCa) } : {}),
          ...(t.tlsCert && t.tlsKey ? { clientCertPair: { crt: readFileSync(t.tlsCert), key: readFileSync(t.tlsKey) } } : {}),
        }
      : undefined;
  return { address: temporalAddress(t), tls, apiKey: t.apiKey ?? process.env.TEMPORAL_API_KEY };
}

export async function connectClient(t: TemporalTarget): Promise<Client> {
  // a long run's history (segment digests of millions of rows) passes gRPC's default 4 MB
  const connection = await Connection.connect({ ...connectOptions(t), connectTimeout: 5000, channelArgs: { 'grpc.max_receive_message_length': 128 * 2 ** 20 } });
  return new Client({ connection, namespace: t.namespace ?? process.env.PARITY_NAMESPACE ?? 'default' });
}
