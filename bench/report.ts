/** The closing table: each metric for rtpengine, for ts, their ratio (ts / rtpengine) and the target. */

export type Better = 'higher' | 'lower' | 'info';

export interface MetricRow {
  name: string;
  unit: string;
  rtpengine: number | string | undefined;
  ts: number | string | undefined;
  better: Better;
  /** The target, stated on the ratio (ts / rtpengine), e.g. ">= 1" or "<= 0.5". */
  target?: { text: string; holds: (ratio: number) => boolean };
}

function formatValue(value: number | string | undefined): string {
  if (value === undefined) return '—';
  if (typeof value === 'string') return value;
  if (!Number.isFinite(value) || Number.isInteger(value)) return String(value);
  const magnitude = Math.abs(value);
  if (magnitude >= 100) return value.toFixed(0);
  if (magnitude >= 10) return value.toFixed(1);
  if (magnitude >= 1) return value.toFixed(2);
  return value.toFixed(3);
}

function ratioOf(row: MetricRow): number | undefined {
  if (typeof row.rtpengine !== 'number' || typeof row.ts !== 'number') return undefined;
  if (row.rtpengine === 0) return undefined;
  return row.ts / row.rtpengine;
}

export function renderTable(rows: MetricRow[]): string {
  const header = ['metric', 'unit', 'rtpengine', 'ts', 'ts/rtpengine', 'target (ratio)', 'met'];
  const body = rows.map((row) => {
    const ratio = ratioOf(row);
    const met = row.target && ratio !== undefined ? (row.target.holds(ratio) ? 'yes' : 'NO') : '—';
    return [
      row.name,
      row.unit,
      formatValue(row.rtpengine),
      formatValue(row.ts),
      ratio === undefined ? '—' : ratio.toFixed(2),
      row.target?.text ?? '',
      met,
    ];
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...body.map((cells) => (cells[column] ?? '').length)),
  );
  const line = (cells: string[]): string =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(header), widths.map((width) => '-'.repeat(width)).join('  '), ...body.map(line)].join('\n');
}
