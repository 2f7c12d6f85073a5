/** Shared with the Discord adapter; kept here so Slack's imports stay as they were. */
export { RecentOnce } from '#adapters/shared/recent-once.js';
