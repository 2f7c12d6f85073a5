/**
 * The intake register over the store: a keyed lock around a read and a write where one process
 * owns the store (memory, SQLite), and one `SET NX` where several share it (Redis).
 */
import type { Keyv } from 'keyv';
import type { IntakeRegister } from '#core/intake.js';
import { KeyedLock } from './keyed-lock.js';

const key = (id: string) => `intake:${id}`;

export const keyvIntake = (kv: Keyv): IntakeRegister => {
  const lock = new KeyedLock();
  return {
    firstTime: (id, ttlMs) =>
      lock.run([key(id)], async () => {
        if ((await kv.get(key(id))) !== undefined) return false;
        await kv.set(key(id), 1, ttlMs);
        return true;
      }),
  };
};

export interface SetIfAbsentClient {
  set(key: string, value: string, options: { NX: true; PX: number }): Promise<unknown>;
}

export const redisIntake = (client: SetIfAbsentClient, prefix: string): IntakeRegister => ({
  firstTime: async (id, ttlMs) =>
    (await client.set(`${prefix}${key(id)}`, '1', { NX: true, PX: ttlMs })) === 'OK',
});
