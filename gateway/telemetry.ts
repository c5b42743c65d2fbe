// Optional OpenTelemetry tracing: with OTEL_EXPORTER_OTLP_ENDPOINT set, the gateway's spans go to that OTLP/HTTP collector.
import type { GatewayConfigContext, GatewayPlugin, Logger as HiveLogger } from '@graphql-hive/gateway-runtime';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';

export interface Tracing {
  /** Records the gateway's spans (HTTP request, parse, validate, plan, each subgraph call) and sends `traceparent` to subgraphs. */
  plugin(context: GatewayConfigContext): GatewayPlugin;
  /** Sends the spans still waiting in the batch. */
  flush(): Promise<void>;
}

/** OpenTelemetry's API is global, so it is set up once per process, for one collector. */
let setUp: { endpoint: string; processor: SpanProcessor } | undefined;

/** Tracing to the OTLP/HTTP collector at `endpoint` (its base URL, as OTEL_EXPORTER_OTLP_ENDPOINT names it); undefined when off. */
export async function tracing(endpoint: string | undefined, log: HiveLogger): Promise<Tracing | undefined> {
  if (endpoint === undefined) return undefined;
  if (setUp !== undefined && setUp.endpoint !== endpoint) {
    throw new Error(`OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}: this process already traces to ${setUp.endpoint}, and OpenTelemetry is set up once per process`);
  }
  // Loaded only when tracing is on: the OpenTelemetry SDK is large and most runs do not need it.
  const [{ useOpenTelemetry }, { openTelemetrySetup }, { OTLPTraceExporter }, { AsyncLocalStorageContextManager }, { BatchSpanProcessor }] = await Promise.all([
    import('@graphql-hive/plugin-opentelemetry'),
    import('@graphql-hive/plugin-opentelemetry/setup'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/sdk-trace-base'),
  ]);
  if (setUp === undefined) {
    // Our own processor, to flush it on dispose: Hive's flush on dispose asks the API's proxy provider, which cannot flush.
    const processor = new BatchSpanProcessor(new OTLPTraceExporter({ url: `${endpoint}/v1/traces` }));
    openTelemetrySetup({ contextManager: new AsyncLocalStorageContextManager(), resource: { serviceName: 'regiongraph-gateway' }, log, traces: { processors: [processor] } });
    setUp = { endpoint, processor };
  }
  const { processor } = setUp;
  return {
    plugin: (context) => useOpenTelemetry({ ...context, traces: true, flushOnDispose: false }),
    flush: () => processor.forceFlush(),
  };
}
