/**
 * Quota periods as UTC windows. Every counter is stored under its window's key, so a new period
 * starts from zero without any job having to clear the old one.
 */
import type { QuotaPeriod } from './types.js';

export interface PeriodWindow {
  /** Stable and readable, e.g. `day:2026-11-26`, `week:2026-W48` (ISO week), `month:2026-11`. */
  readonly key: string;
  /** Epoch ms of the window's first instant. */
  readonly startsAt: number;
  /** Epoch ms of the next window's first instant. */
  readonly resetsAt: number;
}

const dayMs = 86_400_000;
const pad = (value: number, width = 2) => String(value).padStart(width, '0');
const isoDate = (at: Date) =>
  `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())}`;

const dayWindow = (now: number): PeriodWindow => {
  const startsAt = Math.floor(now / dayMs) * dayMs;
  return { key: `day:${isoDate(new Date(startsAt))}`, startsAt, resetsAt: startsAt + dayMs };
};

const weekWindow = (now: number): PeriodWindow => {
  const today = Math.floor(now / dayMs) * dayMs;
  // getUTCDay is 0 for Sunday; ISO weeks start on Monday.
  const daysSinceMonday = (new Date(today).getUTCDay() + 6) % 7;
  const startsAt = today - daysSinceMonday * dayMs;
  // The ISO week-year is the year of the week's Thursday, so 2027-01-01 (a Friday) is in 2026-W53.
  const thursday = new Date(startsAt + 3 * dayMs);
  const weekYear = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(weekYear, 0, 1)) / (7 * dayMs)) + 1;
  return { key: `week:${weekYear}-W${pad(week)}`, startsAt, resetsAt: startsAt + 7 * dayMs };
};

const monthWindow = (now: number): PeriodWindow => {
  const at = new Date(now);
  const year = at.getUTCFullYear();
  const month = at.getUTCMonth();
  return {
    key: `month:${year}-${pad(month + 1)}`,
    startsAt: Date.UTC(year, month, 1),
    resetsAt: Date.UTC(year, month + 1, 1),
  };
};

const windows: Record<QuotaPeriod, (now: number) => PeriodWindow> = {
  day: dayWindow,
  week: weekWindow,
  month: monthWindow,
};

/** The last window computed for each period: nearly every call falls in the same one. */
const latest = new Map<QuotaPeriod, PeriodWindow>();

/** The UTC window of `period` that contains `now` (epoch ms). */
export const periodWindow = (period: QuotaPeriod, now: number): PeriodWindow => {
  const cached = latest.get(period);
  if (cached && now >= cached.startsAt && now < cached.resetsAt) return cached;
  const window = windows[period](now);
  latest.set(period, window);
  return window;
};

/** The window just before `window`, where a hold taken before a boundary still lives. */
export const previousWindow = (period: QuotaPeriod, window: PeriodWindow): PeriodWindow =>
  periodWindow(period, window.startsAt - 1);
