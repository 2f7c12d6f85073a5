/**
 * The order in which waiting jobs start: round-robin across guilds, and across users inside each
 * guild (see {@link Turns}), first come first served for one user's own jobs. Pure and synchronous,
 * so the scheduler, the position reports and the tests all read the same order.
 */

export interface FairEntry<T> {
  id: string;
  guildId: string;
  userId: string;
  value: T;
}

/**
 * Merges lists by taking one item from each in turn, skipping lists that run out:
 * `[[a1, a2, a3], [b1]]` gives `a1, b1, a2, a3`.
 */
export const interleave = <T>(lists: readonly (readonly T[])[]): T[] => {
  const merged: T[] = [];
  const longest = Math.max(0, ...lists.map((list) => list.length));
  for (let round = 0; round < longest; round++) {
    for (const list of lists) {
      if (round < list.length) merged.push(list[round] as T);
    }
  }
  return merged;
};

/**
 * Where the item at `round` of list `list` lands in {@link interleave} of lists with these lengths,
 * without building the merge: every list gives up to `round` items before it, and the lists ahead
 * of it that are still going give one more each.
 */
export const interleavedIndex = (
  lengths: readonly number[],
  list: number,
  round: number,
): number => {
  let index = 0;
  lengths.forEach((length, other) => {
    index += Math.min(length, round);
    if (other < list && length > round) index += 1;
  });
  return index;
};

/**
 * When each guild, and each user inside a guild, last had a turn. A Map whose insertion order is
 * turn order, so the entries to forget first (the oldest) come first. Bounded: a key whose turn is
 * thousands of turns old ranks like a newcomer anyway.
 */
class TurnMemory {
  readonly #lastTurn = new Map<string, number>();
  #turns = 0;

  constructor(readonly capacity: number) {}

  /** -1 for a key with no remembered turn, so it goes ahead of every key that had one. */
  rank(key: string): number {
    return this.#lastTurn.get(key) ?? -1;
  }

  record(key: string): void {
    this.#lastTurn.delete(key);
    this.#lastTurn.set(key, this.#turns++);
    if (this.#lastTurn.size <= this.capacity) return;
    for (const oldest of [...this.#lastTurn.keys()].slice(0, this.capacity / 2))
      this.#lastTurn.delete(oldest);
  }
}

/** Enough to remember every guild and user with a recent turn in a busy deployment. */
const turnMemoryCapacity = 10_000;

/**
 * Keys (guilds, or users inside a guild) taking turns, least recently served first. While everyone
 * is waiting that is plain round-robin. A newcomer goes ahead of keys already served, so a guild
 * arriving behind another's burst starts next; a key whose jobs started at once, or that empties and
 * rejoins, keeps its last turn, so it never jumps the line.
 */
class Turns<L> {
  /** Waiting keys in turn order, ascending by last turn. */
  #waiting = new Map<string, L>();
  readonly #memory: TurnMemory;
  /** Keeps users of different guilds apart in the shared memory. */
  readonly #scope: string;

  constructor(memory: TurnMemory, scope: string) {
    this.#memory = memory;
    this.#scope = scope;
  }

  get size(): number {
    return this.#waiting.size;
  }

  get(key: string): L | undefined {
    return this.#waiting.get(key);
  }

  keys(): string[] {
    return [...this.#waiting.keys()];
  }

  lists(): L[] {
    return [...this.#waiting.values()];
  }

  /** The key whose turn is next, with its list. */
  next(): [string, L] | undefined {
    const first = this.#waiting.entries().next();
    return first.done ? undefined : first.value;
  }

  join(key: string, list: L): void {
    const rank = this.#rank(key);
    const entries = [...this.#waiting.entries()];
    const at = entries.findIndex(([other]) => this.#rank(other) > rank);
    if (at === -1) {
      this.#waiting.set(key, list);
      return;
    }
    entries.splice(at, 0, [key, list]);
    this.#waiting = new Map(entries);
  }

  /** Records the turn `key` just had: it goes to the back, or leaves when it has nothing left. */
  served(key: string, list: L, exhausted: boolean): void {
    this.#memory.record(this.#scope + key);
    this.#waiting.delete(key);
    if (!exhausted) this.#waiting.set(key, list);
  }

  leave(key: string): void {
    this.#waiting.delete(key);
  }

  #rank(key: string): number {
    return this.#memory.rank(this.#scope + key);
  }
}

export class FairOrder<T> {
  readonly #memory = new TurnMemory(turnMemoryCapacity);
  /** The guilds' turns; each guild holds its users' turns, each user a FIFO list. */
  readonly #guilds = new Turns<Turns<FairEntry<T>[]>>(this.#memory, 'guild\u0000');
  readonly #byId = new Map<string, FairEntry<T>>();

  get size(): number {
    return this.#byId.size;
  }

  push(entry: FairEntry<T>): void {
    if (this.#byId.has(entry.id)) throw new RangeError(`job ${entry.id} is already waiting`);
    this.#byId.set(entry.id, entry);
    let users = this.#guilds.get(entry.guildId);
    if (users === undefined) {
      users = new Turns(this.#memory, `user\u0000${entry.guildId}\u0000`);
      this.#guilds.join(entry.guildId, users);
    }
    const mine = users.get(entry.userId);
    if (mine === undefined) users.join(entry.userId, [entry]);
    else mine.push(entry);
  }

  /** Takes the entry whose turn it is. */
  shift(): FairEntry<T> | undefined {
    const guild = this.#guilds.next();
    if (guild === undefined) return undefined;
    const [guildId, users] = guild;
    // A guild waits only while one of its users has an entry, so these exist.
    const [userId, entries] = users.next() as [string, FairEntry<T>[]];
    const entry = entries.shift() as FairEntry<T>;
    users.served(userId, entries, entries.length === 0);
    this.#guilds.served(guildId, users, users.size === 0);
    this.#byId.delete(entry.id);
    return entry;
  }

  remove(id: string): FairEntry<T> | undefined {
    const entry = this.#byId.get(id);
    if (entry === undefined) return undefined;
    this.#byId.delete(id);
    const users = this.#guilds.get(entry.guildId);
    const entries = users?.get(entry.userId);
    if (users === undefined || entries === undefined) return entry;
    entries.splice(entries.indexOf(entry), 1);
    if (entries.length === 0) users.leave(entry.userId);
    if (users.size === 0) this.#guilds.leave(entry.guildId);
    return entry;
  }

  /** Every waiting entry, in the order `shift` would take them if nothing else arrived. */
  order(): FairEntry<T>[] {
    return interleave(this.#guilds.lists().map((users) => interleave(users.lists())));
  }

  /**
   * 0-based place of a waiting entry in {@link order}, in time proportional to the guilds and users
   * waiting rather than to the entries: it runs on every submit.
   */
  indexOf(id: string): number | undefined {
    const entry = this.#byId.get(id);
    if (entry === undefined) return undefined;
    const guilds = this.#guilds.keys();
    const users = this.#guilds.get(entry.guildId)?.keys() ?? [];
    const userLists = users.map((userId) => this.#guilds.get(entry.guildId)?.get(userId) ?? []);
    const userIndex = users.indexOf(entry.userId);
    const inGuild = interleavedIndex(
      userLists.map((list) => list.length),
      userIndex,
      userLists[userIndex]?.indexOf(entry) ?? 0,
    );
    const guildSizes = this.#guilds
      .lists()
      .map((guildUsers) => guildUsers.lists().reduce((sum, list) => sum + list.length, 0));
    return interleavedIndex(guildSizes, guilds.indexOf(entry.guildId), inGuild);
  }

  /** Ids in start order: the shape position reports need. */
  ids(): string[] {
    return this.order().map((entry) => entry.id);
  }
}
