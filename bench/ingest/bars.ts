/**
 * Deterministic OHLCV-like one-minute bars, generated on the fly (never held in memory): `symbols` symbols,
 * time-major (every symbol's bar for a minute, then the next minute), as a live feed delivers them. Prices are
 * numeric strings with 5 decimals, volumes integers. The same `rows` always give the same bars.
 */
export interface Bar {
  [column: string]: unknown;
  symbol: string;
  interval: string;
  ts: string;
  open: string;
  high: string;
  low: string;
  close: string;
  volume: number;
}

export const barColumns = ['symbol', 'interval', 'ts', 'open', 'high', 'low', 'close', 'volume'] as const;

/** The bench's table: the same definition for the raw COPY side and the bulk side. */
export function barTableSql(table: string): string {
  return `CREATE TABLE ${table} (
      symbol text NOT NULL,
      interval text NOT NULL,
      ts timestamptz NOT NULL,
      open numeric NOT NULL,
      high numeric NOT NULL,
      low numeric NOT NULL,
      close numeric NOT NULL,
      volume bigint NOT NULL,
      PRIMARY KEY (symbol, interval, ts)
    );
    CREATE INDEX ${table}_ts ON ${table} (ts);`;
}

const start = Date.UTC(2024, 0, 2, 14, 30);

export function* generateBars(rows: number, symbols = 500): Generator<Bar> {
  const names = Array.from({ length: symbols }, (_, index) => `SYM${String(index).padStart(4, '0')}`);
  const basePrices = Array.from({ length: symbols }, (_, index) => 5 + ((index * 7919) % 49_500) / 100);
  let minute = -1;
  let ts = '';
  for (let row = 0; row < rows; row++) {
    const symbol = row % symbols;
    if (symbol === 0) {
      minute += 1;
      ts = new Date(start + minute * 60_000).toISOString();
    }
    const random = mulberry32(row);
    const base = (basePrices[symbol] as number) * (1 + 0.1 * Math.sin(minute / 97 + symbol));
    const open = base * (1 + (random() - 0.5) * 0.01);
    const close = base * (1 + (random() - 0.5) * 0.01);
    const high = Math.max(open, close) * (1 + random() * 0.003);
    const low = Math.min(open, close) * (1 - random() * 0.003);
    yield {
      symbol: names[symbol] as string,
      interval: '1m',
      ts,
      open: open.toFixed(5),
      high: high.toFixed(5),
      low: low.toFixed(5),
      close: close.toFixed(5),
      volume: 100 + Math.floor(random() * 1_000_000),
    };
  }
}

/** A small seeded PRNG (mulberry32): deterministic per row. */
function mulberry32(seed: number): () => number {
  let state = (seed * 0x9e3779b1) | 0;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let value = Math.imul(state ^ (state >>> 15), 1 | state);
    value = (value + Math.imul(value ^ (value >>> 7), 61 | value)) ^ value;
    return ((value ^ (value >>> 14)) >>> 0) / 4_294_967_296;
  };
}
