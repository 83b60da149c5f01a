// Prometheus metrics of messaging, registered on the app's registry (one set per MessagingService).
import { Counter, Histogram, type Registry } from 'prom-client';

export interface MessagingMetrics {
  /** Messages by channel and outcome: sent, failed, skipped (already sent or failed), in_flight (another claim). */
  sends: Counter<'channel' | 'channel_type' | 'outcome'>;
  /** Failed messages by channel and error code (`http_503`, `timeout`, `smtp_550`, `sms_too_long`…). */
  errors: Counter<'channel' | 'channel_type' | 'code' | 'retryable'>;
  /** Seconds the provider took for one batch handed to the adapter. */
  providerSeconds: Histogram<'channel_type'>;
  /** Receipts by channel and type (delivered, opened, clicked, failed, bounced, unsubscribed). */
  receipts: Counter<'channel' | 'channel_type' | 'type'>;
}

export function createMessagingMetrics(registry: Registry): MessagingMetrics {
  const registers = [registry];
  return {
    sends: new Counter({ name: 'siyu_messaging_sends_total', help: 'Messages handed to messaging channels, by outcome', labelNames: ['channel', 'channel_type', 'outcome'], registers }),
    errors: new Counter({ name: 'siyu_messaging_errors_total', help: 'Failed messages by provider error code', labelNames: ['channel', 'channel_type', 'code', 'retryable'], registers }),
    providerSeconds: new Histogram({
      name: 'siyu_messaging_provider_seconds',
      help: 'Time a provider took for one batch of messages (retries included)',
      labelNames: ['channel_type'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    receipts: new Counter({ name: 'siyu_messaging_receipts_total', help: 'Delivery receipts recorded, by type', labelNames: ['channel', 'channel_type', 'type'], registers }),
  };
}
