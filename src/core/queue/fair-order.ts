/**
 * The order in which waiting jobs start: round-robin across guilds, and across users inside each
 * guild, first come first served for one user's own jobs. Pure and synchronous, so the scheduler,
 * the position reports and the tests all read the same order.
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
 * A Map used as a rotation: its first key has the next turn. After its turn a key moves to the end,
 * or leaves when it has nothing left; a newcomer joins at the end, behind everyone already waiting.
 */
const afterTurn = <L>(rotation: Map<string, L>, key: string, list: L, exhausted: boolean): void => {
  rotation.delete(key);
  if (!exhausted) rotation.set(key, list);
};

export class FairOrder<T> {
  /** The guild rotation; each guild holds its rotation of users, each user a FIFO list. */
  readonly #guilds = new Map<string, Map<string, FairEntry<T>[]>>();
  readonly #byId = new Map<string, FairEntry<T>>();

  get size(): number {
    return this.#byId.size;
  }

  has(id: string): boolean {
    return this.#byId.has(id);
  }

  push(entry: FairEntry<T>): void {
    if (this.#byId.has(entry.id)) throw new RangeError(`job ${entry.id} is already waiting`);
    this.#byId.set(entry.id, entry);
    let users = this.#guilds.get(entry.guildId);
    if (users === undefined) {
      users = new Map();
      this.#guilds.set(entry.guildId, users);
    }
    const mine = users.get(entry.userId);
    if (mine === undefined) users.set(entry.userId, [entry]);
    else mine.push(entry);
  }

  /** Takes the entry whose turn it is. */
  shift(): FairEntry<T> | undefined {
    const guild = this.#guilds.entries().next();
    if (guild.done) return undefined;
    const [guildId, users] = guild.value;
    // A guild stays in the rotation only while one of its users has an entry, so these exist.
    const [userId, entries] = users.entries().next().value as [string, FairEntry<T>[]];
    const entry = entries.shift() as FairEntry<T>;
    afterTurn(users, userId, entries, entries.length === 0);
    afterTurn(this.#guilds, guildId, users, users.size === 0);
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
    if (entries.length === 0) users.delete(entry.userId);
    if (users.size === 0) this.#guilds.delete(entry.guildId);
    return entry;
  }

  /** Every waiting entry, in the order `shift` would take them if nothing else arrived. */
  order(): FairEntry<T>[] {
    return interleave([...this.#guilds.values()].map((users) => interleave([...users.values()])));
  }

  /** Ids in start order: the shape position reports need. */
  ids(): string[] {
    return this.order().map((entry) => entry.id);
  }
}
