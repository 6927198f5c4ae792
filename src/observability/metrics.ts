import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'
import type { AnswerCache } from '../cache/answer-cache.js'

/** How a lookup ended, as counted and logged. */
export type LookupResult = 'answered' | 'not_found' | 'refused' | 'over_budget' | 'failed' | 'not_ready'

/**
 * The service's Prometheus metrics, in a registry of its own (one per app,
 * so tests and several apps in one process never share counters).
 */
export class Metrics {
  readonly registry = new Registry()
  private readonly prefix = 'freeswitch_followme_'

  readonly lookups = new Counter({
    name: `${this.prefix}lookups_total`,
    help: 'mod_xml_curl lookups by section and result',
    labelNames: ['section', 'result'] as const,
    registers: [this.registry],
  })

  readonly lookupSeconds = new Histogram({
    name: `${this.prefix}lookup_duration_seconds`,
    help: 'Time to answer a mod_xml_curl lookup, parsing to the last byte queued',
    labelNames: ['section'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  })

  readonly databaseErrors = new Counter({
    name: `${this.prefix}database_errors_total`,
    help: 'Lookups that failed on a database error',
    registers: [this.registry],
  })

  readonly budgetOverruns = new Counter({
    name: `${this.prefix}lookup_budget_overruns_total`,
    help: 'Lookups answered 503 because they took longer than LOOKUP_BUDGET_MS',
    registers: [this.registry],
  })

  readonly eventSocketConnected = new Gauge({
    name: `${this.prefix}event_socket_connected`,
    help: '1 while the event socket to a FreeSWITCH node is connected and authenticated',
    labelNames: ['node'] as const,
    registers: [this.registry],
  })

  readonly lampEvents = new Counter({
    name: `${this.prefix}lamp_events_sent_total`,
    help: 'PRESENCE_IN events sent to FreeSWITCH for BLF lamps',
    registers: [this.registry],
  })

  readonly statusEvents = new Counter({
    name: `${this.prefix}status_events_total`,
    help: 'Registration and channel events from the event sockets: queued, malformed (skipped) or dropped (queue full)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  })

  readonly statusRowsWritten = new Counter({
    name: `${this.prefix}status_rows_written_total`,
    help: 'Rows of registrations and extension_channels written or removed from events and resyncs',
    registers: [this.registry],
  })

  /** Reports the status writer's queue depth at each scrape. */
  observeStatus(pending: () => number): void {
    new Gauge({
      name: `${this.prefix}status_pending_writes`,
      help: 'Status writes queued for the database',
      registers: [this.registry],
      collect() {
        this.set(pending())
      },
    })
  }

  readonly cacheHits = new Counter({
    name: `${this.prefix}lookup_cache_hits_total`,
    help: 'Lookups answered from the lookup cache',
    registers: [this.registry],
  })

  /** Reports the cache's size and state at each scrape. */
  observeCache(cache: AnswerCache): void {
    new Gauge({
      name: `${this.prefix}lookup_cache_entries`,
      help: 'Answers in the lookup cache',
      registers: [this.registry],
      collect() {
        this.set(cache.size)
      },
    })
    new Gauge({
      name: `${this.prefix}lookup_cache_enabled`,
      help: '1 while the lookup cache is on (listening for changes), 0 while it is off',
      registers: [this.registry],
      collect() {
        this.set(cache.enabled ? 1 : 0)
      },
    })
  }

  constructor(options: { processMetrics?: boolean } = {}) {
    // Memory, CPU, event-loop lag of this process (prom-client's defaults).
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: this.prefix })
  }
}
