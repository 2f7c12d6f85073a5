/** One line of the benchmark table: a measured value, its unit, and the goal it is judged against. */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  /** The goal in words, e.g. `< 250 ms`. */
  target?: string;
  /** Whether the value meets the target; absent when there is none. */
  pass?: boolean;
}
