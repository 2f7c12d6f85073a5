/**
 * Where each quota record lives. Counters are keyed by their period window, so a new period needs
 * no clean-up job: its keys are simply new, and old ones age out by retention.
 */
import type { PeriodWindow } from './periods.js';

// Ids are encoded so that one containing ':' can never alias another guild's or user's key.
const id = (value: string) => encodeURIComponent(value);

export const quotaKeys = {
  guild: (guildId: string, window: PeriodWindow) => `quota:guild:${id(guildId)}:${window.key}`,
  user: (guildId: string, userId: string, window: PeriodWindow) =>
    `quota:user:${id(guildId)}:${id(userId)}:${window.key}`,
  tokens: (guildId: string, window: PeriodWindow) => `quota:tokens:${id(guildId)}:${window.key}`,
  /** The users who spent images in a window of their own period: top users and resets read it instead of scanning. */
  active: (guildId: string, window: PeriodWindow) => `quota:active:${id(guildId)}:${window.key}`,
  settings: (guildId: string) => `quota:limits:${id(guildId)}`,
  /** Spend in micro-dollars, over the guild's period. */
  guildSpend: (guildId: string, window: PeriodWindow) =>
    `quota:spend:guild:${id(guildId)}:${window.key}`,
  userSpend: (guildId: string, userId: string, window: PeriodWindow) =>
    `quota:spend:user:${id(guildId)}:${id(userId)}:${window.key}`,
  /** One UTC day's delivered images and cost by user (YYYY-MM-DD), for the usage charts. */
  day: (guildId: string, date: string) => `quota:day:${id(guildId)}:${date}`,
};
