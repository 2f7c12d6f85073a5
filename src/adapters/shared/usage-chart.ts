/**
 * The `/quota-admin report` chart: images per day stacked by the top users, with the day's spend on
 * a second axis. The data is a pure function of the recorded history, tested on its own; drawing
 * goes Vega-Lite -> Vega -> SVG (no browser, no native canvas) -> PNG through sharp.
 */
import sharp from 'sharp';
import { View, parse } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { microsPerDollar } from '#core/cost/estimate.js';
import type { DailyUsage } from '#core/quota/types.js';

/** Users drawn on their own; the rest share one "others" band. */
export const chartedUsers = 5;
export const othersSeries = 'others';

export interface UsageChartData {
  /** The days charted, oldest first (YYYY-MM-DD). */
  days: string[];
  /** Top users by images over the whole range, most first; `#1` in the chart is the first. */
  topUsers: Array<{ userId: string; images: number; micros: number }>;
  /** One bar segment per day and series (`#1`…`#5`, `others`) that made images that day. */
  bars: Array<{ date: string; series: string; images: number }>;
  /** The day's spend in US dollars, for every day. */
  spend: Array<{ date: string; usd: number }>;
  totals: { images: number; micros: number };
}

/** The series a user's images are drawn in. */
const seriesName = (rank: number) => `#${rank + 1}`;

export const usageChartData = (history: readonly DailyUsage[]): UsageChartData => {
  const byUser = new Map<string, { images: number; micros: number }>();
  for (const day of history) {
    for (const [userId, used] of Object.entries(day.users)) {
      const sum = byUser.get(userId) ?? { images: 0, micros: 0 };
      byUser.set(userId, { images: sum.images + used.images, micros: sum.micros + used.micros });
    }
  }
  const topUsers = [...byUser]
    .map(([userId, sum]) => ({ userId, ...sum }))
    .filter((user) => user.images > 0)
    .sort((a, b) => b.images - a.images || b.micros - a.micros || a.userId.localeCompare(b.userId))
    .slice(0, chartedUsers);
  const rankOf = new Map(topUsers.map((user, rank) => [user.userId, rank]));
  const bars = history.flatMap((day) => {
    const bySeries = new Map<string, number>();
    for (const [userId, used] of Object.entries(day.users)) {
      const rank = rankOf.get(userId);
      const series = rank === undefined ? othersSeries : seriesName(rank);
      bySeries.set(series, (bySeries.get(series) ?? 0) + used.images);
    }
    return [...bySeries]
      .filter(([, images]) => images > 0)
      .map(([series, images]) => ({ date: day.date, series, images }));
  });
  const dayMicros = (day: DailyUsage) =>
    Object.values(day.users).reduce((sum, used) => sum + used.micros, 0);
  return {
    days: history.map((day) => day.date),
    topUsers,
    bars,
    spend: history.map((day) => ({ date: day.date, usd: dayMicros(day) / microsPerDollar })),
    totals: {
      images: [...byUser.values()].reduce((sum, used) => sum + used.images, 0),
      micros: history.reduce((sum, day) => sum + dayMicros(day), 0),
    },
  };
};

export interface ChartSize {
  width: number;
  height: number;
}

/** The Vega-Lite spec: stacked bars on the left axis, spend as a line on the right. */
export const usageChartSpec = (
  data: UsageChartData,
  size: ChartSize,
  labels: { images: string; spend: string; day: string },
): TopLevelSpec => {
  const others = data.bars.some((bar) => bar.series === othersSeries) ? [othersSeries] : [];
  const series = [...data.topUsers.map((_, rank) => seriesName(rank)), ...others];
  const x = {
    field: 'date',
    type: 'ordinal' as const,
    title: labels.day,
    scale: { domain: data.days },
    axis: { labelAngle: -45 },
  };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: size.width,
    height: size.height,
    // The whole picture, axes and legend included, is the asked size.
    autosize: { type: 'fit', contains: 'padding' },
    background: 'white',
    layer: [
      {
        data: { values: data.bars },
        mark: 'bar',
        encoding: {
          x,
          y: { field: 'images', type: 'quantitative', aggregate: 'sum', title: labels.images },
          color: { field: 'series', type: 'nominal', title: null, scale: { domain: series } },
          order: { field: 'series', sort: 'ascending' },
        },
      },
      {
        data: { values: data.spend },
        mark: { type: 'line', color: '#333333', point: true },
        encoding: {
          x,
          y: {
            field: 'usd',
            type: 'quantitative',
            title: labels.spend,
            axis: { orient: 'right', format: '$.2f' },
          },
        },
      },
    ],
    resolve: { scale: { y: 'independent' } },
  };
};

/** Renders the chart to a PNG of exactly `size` pixels. */
export const renderUsageChart = async (spec: TopLevelSpec, size: ChartSize): Promise<Buffer> => {
  const view = new View(parse(compile(spec).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    // `fit` keeps the picture within the size; a pixel of rounding is stretched away here.
    return await sharp(Buffer.from(svg))
      .resize(size.width, size.height, { fit: 'fill' })
      .png()
      .toBuffer();
  } finally {
    view.finalize();
  }
};
