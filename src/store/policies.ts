/**
 * Guild policies over a store's keyv: one record per guild, read on every request (no cache), so a
 * change made through one process is what every other process meets on its next request.
 */
import type { Keyv } from 'keyv';
import { z } from 'zod';
import {
  defaultPolicy,
  moderationPolicies,
  policySettings,
  type PolicyStore,
  type StoredPolicy,
} from '#core/policy/types.js';

const id = (value: string) => encodeURIComponent(value);
const policyKey = (guildId: string) => `policy:${id(guildId)}`;
const cooldownKey = (guildId: string, userId: string) => `cooldown:${id(guildId)}:${id(userId)}`;

const origin = z.object({ byUserId: z.string(), at: z.string() });

/** A damaged or older record falls back field by field to the defaults rather than failing requests. */
const stored = z.object({
  policy: z.object({
    channels: z.array(z.string()).catch([...defaultPolicy.channels]),
    blocked: z.array(z.string()).catch([...defaultPolicy.blocked]),
    limits: z
      .object({
        models: z.array(z.string()).optional(),
        maxCount: z.number().int().positive().optional(),
        maxQuality: z.string().optional(),
        maxSize: z.string().optional(),
      })
      .catch({}),
    moderation: z.enum(moderationPolicies).catch(defaultPolicy.moderation),
    cooldownSeconds: z.number().int().min(0).catch(defaultPolicy.cooldownSeconds),
    auditChannel: z.string().nullable().catch(defaultPolicy.auditChannel),
  }),
  origins: z.partialRecord(z.enum(policySettings), origin).catch({}),
});

const fresh = (): StoredPolicy => ({ policy: defaultPolicy, origins: {} });

export const createPolicyStore = (kv: Keyv): PolicyStore => {
  const read = async (guildId: string): Promise<StoredPolicy> => {
    const raw: unknown = await kv.get(policyKey(guildId));
    if (raw === undefined) return fresh();
    const parsed = stored.safeParse(raw);
    return parsed.success ? (parsed.data as StoredPolicy) : fresh();
  };
  return {
    read,
    async update(guildId, setting, change, by) {
      const current = await read(guildId);
      const next: StoredPolicy = {
        policy: change(current.policy),
        origins: { ...current.origins, [setting]: by },
      };
      await kv.set(policyKey(guildId), next);
      return next;
    },
    async lastJobAt(guildId, userId) {
      const at: unknown = await kv.get(cooldownKey(guildId, userId));
      return typeof at === 'number' ? at : undefined;
    },
    async markJob(guildId, userId, at, ttlMs) {
      await kv.set(cooldownKey(guildId, userId), at, ttlMs);
    },
  };
};
