/**
 * The `GET /metrics` page: the ng `statistics` tree written in Prometheus text exposition format, with the
 * metric names, HELP texts, TYPE lines, label names and sample order that rtpengine 10.5 prints (recorded in
 * test/fixtures/prometheus/). Reading the tree rather than the counters keeps /metrics, ng `statistics` and
 * `list jsonstats` telling the same numbers.
 *
 * A sample is written only when the tree holds its figure: a figure missing from the tree is left out
 * instead of being claimed as zero (the tree has carried every figure 10.5 prints since zero-way and one-way
 * streams, squared durations and the MOS section were added).
 *
 * 10.5's quirks are kept on purpose, since scrapers and dashboards were built against them: a family's HELP and
 * TYPE come once, before its first sample, even when later samples of it follow other families (the kernel
 * packet counters, each proxy's requests); HELP is the text of the family's first figure ("Owned sessions",
 * "... (userspace)"); the per-proxy and per-interface families have no HELP.
 */
import { NG_COMMANDS } from '../ng/commands.ts';
import type { NgDict, NgValue } from '../ng/types.ts';

/** What rtpengine 10.5 sends as the page's Content-Type (Prometheus reads plain text as exposition format 0.0.4). */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain';

export type MetricType = 'counter' | 'gauge';

export interface MetricFamily {
  readonly type: MetricType;
  /** Absent where 10.5 prints no HELP line. */
  readonly help?: string;
  /** Durations and MOS sums are printed with six decimals, like C's %.6f. */
  readonly decimals?: 6;
}

/** Every family 10.5 prints that we know of, by name; the label names are those of the samples below. */
export const METRIC_FAMILIES: Readonly<Record<string, MetricFamily>> = {
  rtpengine_sessions: { type: 'gauge', help: 'Owned sessions' },
  rtpengine_transcoded_media: { type: 'gauge', help: 'Transcoded media' },
  rtpengine_mediastreams: { type: 'gauge', help: 'Userspace-only media streams' },
  rtpengine_uptime_seconds: { type: 'gauge', help: 'Uptime of rtpengine' },
  rtpengine_sessions_total: { type: 'counter', help: 'Total managed sessions' },
  rtpengine_closed_sessions_total: { type: 'counter', help: 'Total rejected sessions' },
  rtpengine_packets_total: { type: 'counter', help: 'Total relayed packets (userspace)' },
  rtpengine_packet_errors_total: { type: 'counter', help: 'Total relayed packet errors (userspace)' },
  rtpengine_bytes_total: { type: 'counter', help: 'Total relayed bytes (userspace)' },
  rtpengine_zero_packet_streams_total: {
    type: 'counter',
    help: 'Total number of streams with no relayed packets',
  },
  rtpengine_one_way_sessions_total: { type: 'counter', help: 'Total number of 1-way streams' },
  rtpengine_call_duration_avg: { type: 'gauge', help: 'Average call duration', decimals: 6 },
  rtpengine_call_duration_total: { type: 'counter', help: 'Total calls duration', decimals: 6 },
  rtpengine_call_duration2_total: { type: 'counter', help: 'Total calls duration squared', decimals: 6 },
  rtpengine_mos_total: { type: 'counter', help: 'Sum of all MOS values sampled', decimals: 6 },
  rtpengine_mos2_total: { type: 'counter', help: 'Sum of all MOS square values sampled', decimals: 6 },
  rtpengine_mos_samples_total: { type: 'counter', help: 'Total number of MOS samples' },
  rtpengine_requests_total: { type: 'counter' },
  rtpengine_request_seconds_total: { type: 'counter', decimals: 6 },
  rtpengine_errors_total: { type: 'counter' },
  rtpengine_ports_used: { type: 'gauge' },
  rtpengine_ports_free: { type: 'gauge' },
  rtpengine_ports: { type: 'gauge' },
};

export interface MetricSample {
  readonly name: string;
  readonly labels: readonly (readonly [string, string])[];
  readonly value: number;
}

function isDict(v: NgValue | undefined): v is NgDict {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The tree keeps some figures as decimal strings (as rtpengine's ng reply does); null when absent or not a number. */
function figure(d: NgDict, key: string): number | null {
  const v = d[key];
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : Number.NaN;
  return Number.isFinite(n) ? n : null;
}

/** Where each global sample's figure lives in the tree, in 10.5's order: [metric, labels, section, key]. */
const GLOBAL_SAMPLES: readonly (readonly [string, readonly (readonly [string, string])[], string, string])[] =
  [
    ['rtpengine_sessions', [['type', 'own']], 'currentstatistics', 'sessionsown'],
    ['rtpengine_sessions', [['type', 'foreign']], 'currentstatistics', 'sessionsforeign'],
    ['rtpengine_transcoded_media', [], 'currentstatistics', 'transcodedmedia'],
    ['rtpengine_mediastreams', [['type', 'userspace']], 'currentstatistics', 'media_userspace'],
    ['rtpengine_mediastreams', [['type', 'kernel']], 'currentstatistics', 'media_kernel'],
    ['rtpengine_mediastreams', [['type', 'mixed']], 'currentstatistics', 'media_mixed'],
    ['rtpengine_uptime_seconds', [], 'totalstatistics', 'uptime'],
    ['rtpengine_sessions_total', [], 'totalstatistics', 'managedsessions'],
    ['rtpengine_closed_sessions_total', [['reason', 'rejected']], 'totalstatistics', 'rejectedsessions'],
    ['rtpengine_closed_sessions_total', [['reason', 'timeout']], 'totalstatistics', 'timeoutsessions'],
    [
      'rtpengine_closed_sessions_total',
      [['reason', 'silent_timeout']],
      'totalstatistics',
      'silenttimeoutsessions',
    ],
    [
      'rtpengine_closed_sessions_total',
      [['reason', 'final_timeout']],
      'totalstatistics',
      'finaltimeoutsessions',
    ],
    [
      'rtpengine_closed_sessions_total',
      [['reason', 'offer_timeout']],
      'totalstatistics',
      'offertimeoutsessions',
    ],
    [
      'rtpengine_closed_sessions_total',
      [['reason', 'terminated']],
      'totalstatistics',
      'regularterminatedsessions',
    ],
    [
      'rtpengine_closed_sessions_total',
      [['reason', 'force_terminated']],
      'totalstatistics',
      'forcedterminatedsessions',
    ],
    ['rtpengine_packets_total', [['type', 'userspace']], 'totalstatistics', 'relayedpackets_user'],
    ['rtpengine_packet_errors_total', [['type', 'userspace']], 'totalstatistics', 'relayedpacketerrors_user'],
    ['rtpengine_bytes_total', [['type', 'userspace']], 'totalstatistics', 'relayedbytes_user'],
    ['rtpengine_packets_total', [['type', 'kernel']], 'totalstatistics', 'relayedpackets_kernel'],
    ['rtpengine_packet_errors_total', [['type', 'kernel']], 'totalstatistics', 'relayedpacketerrors_kernel'],
    ['rtpengine_bytes_total', [['type', 'kernel']], 'totalstatistics', 'relayedbytes_kernel'],
    ['rtpengine_zero_packet_streams_total', [], 'totalstatistics', 'zerowaystreams'],
    ['rtpengine_one_way_sessions_total', [], 'totalstatistics', 'onewaystreams'],
    ['rtpengine_call_duration_avg', [], 'totalstatistics', 'avgcallduration'],
    ['rtpengine_call_duration_total', [], 'totalstatistics', 'totalcallsduration'],
    ['rtpengine_call_duration2_total', [], 'totalstatistics', 'totalcallsduration2'],
    ['rtpengine_mos_total', [], 'mos', 'mos_total'],
    ['rtpengine_mos2_total', [], 'mos', 'mos2_total'],
    ['rtpengine_mos_samples_total', [], 'mos', 'mos_samples_total'],
  ];

function dictsOf(v: NgValue | undefined): NgDict[] {
  return Array.isArray(v) ? v.filter(isDict) : [];
}

function text(d: NgDict, key: string): string {
  const v = d[key];
  if (typeof v === 'string') return v;
  return typeof v === 'number' ? String(v) : '';
}

/** The samples of a statistics tree, in the order 10.5 prints them. */
export function metricSamples(stats: NgDict): MetricSample[] {
  const out: MetricSample[] = [];
  const add = (name: string, labels: MetricSample['labels'], value: number | null) => {
    if (value !== null) out.push({ name, labels, value });
  };
  for (const [name, labels, section, key] of GLOBAL_SAMPLES) {
    const d = stats[section];
    if (isDict(d)) add(name, labels, figure(d, key));
  }
  const control = stats.controlstatistics;
  for (const p of isDict(control) ? dictsOf(control.proxies) : []) {
    const proxy = text(p, 'proxy');
    for (const c of NG_COMMANDS) {
      const labels = [
        ['proxy', proxy],
        ['request', c.wire],
      ] as const;
      add('rtpengine_requests_total', labels, figure(p, `${c.statsName}count`));
      add('rtpengine_request_seconds_total', labels, figure(p, `${c.statsName}duration`));
    }
    add('rtpengine_errors_total', [['proxy', proxy]], figure(p, 'errorcount'));
  }
  for (const i of dictsOf(stats.interfaces)) {
    const ports = isDict(i.ports) ? i.ports : {};
    const labels = [
      ['name', text(i, 'name')],
      ['address', text(i, 'address')],
    ] as const;
    add('rtpengine_ports_used', labels, figure(ports, 'used'));
    add('rtpengine_ports_free', labels, figure(ports, 'free'));
    add('rtpengine_ports', labels, figure(ports, 'totals'));
  }
  return out;
}

/** Label values escaped as the exposition format requires: backslash, double quote, line feed. */
export function escapeLabelValue(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatValue(family: MetricFamily | undefined, v: number): string {
  return family?.decimals ? v.toFixed(family.decimals) : String(v);
}

/** Writes samples as exposition text, each family's HELP and TYPE before its first sample only. */
export function formatExposition(samples: readonly MetricSample[]): string {
  const introduced = new Set<string>();
  let s = '';
  for (const m of samples) {
    const family = METRIC_FAMILIES[m.name];
    if (!introduced.has(m.name)) {
      introduced.add(m.name);
      if (family?.help) s += `# HELP ${m.name} ${family.help}\n`;
      if (family) s += `# TYPE ${m.name} ${family.type}\n`;
    }
    const labels = m.labels.length
      ? `{${m.labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(',')}}`
      : '';
    s += `${m.name}${labels} ${formatValue(family, m.value)}\n`;
  }
  return s;
}

/** The /metrics page for an ng `statistics` tree. */
export function renderPrometheus(stats: NgDict): string {
  return formatExposition(metricSamples(stats));
}
