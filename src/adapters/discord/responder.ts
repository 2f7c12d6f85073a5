/**
 * Answers one interaction as Discord allows: one acknowledgement, then edits and follow-ups.
 *
 * The acknowledgement is a deferral sent before the command runs, because Discord drops an
 * interaction not acknowledged within 3 seconds and a busy process (hundreds of commands at once,
 * a slow store) cannot promise to finish any command in that time. Commands that always answer
 * privately defer privately. A public deferral that ends in a private answer (a refusal) is
 * deleted and the answer follows privately, so refusals are never shown to the channel.
 */
import { MessageFlags, type RepliableInteraction } from 'discord.js';
import type { ReplyOptions } from '#adapters/shared/command-context.js';
import { cut, discordLimits, noPings } from './text.js';

export class InteractionResponder {
  #replied = false;
  /** Replies are sent one after another, in the order the command made them. */
  #chain: Promise<void> = Promise.resolve();

  /** @param privately whether every answer of this command is ephemeral (so is the deferral). */
  constructor(
    private readonly interaction: RepliableInteraction,
    private readonly privately: boolean,
  ) {}

  /** Defers the reply; must succeed before the command may run. */
  async acknowledge(): Promise<void> {
    await this.interaction.deferReply(this.privately ? { flags: MessageFlags.Ephemeral } : {});
  }

  reply(text: string, options: ReplyOptions = {}): Promise<void> {
    const ephemeral = options.ephemeral ?? false;
    const content = cut(text, discordLimits.content);
    const files = options.files?.map((file) => ({ attachment: file.bytes, name: file.name }));
    const step = async () => {
      const flags = ephemeral ? MessageFlags.Ephemeral : undefined;
      if (this.#replied) {
        await this.interaction.followUp({ content, files, flags, allowedMentions: noPings });
      } else if (ephemeral && !this.privately) {
        // A public "thinking…" cannot turn private: remove it and answer privately instead.
        await this.interaction.deleteReply();
        await this.interaction.followUp({ content, files, flags, allowedMentions: noPings });
      } else {
        await this.interaction.editReply({ content, files, allowedMentions: noPings });
      }
      this.#replied = true;
    };
    const run = this.#chain.then(step);
    this.#chain = run.catch(() => undefined);
    return run;
  }
}
