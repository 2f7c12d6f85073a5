/**
 * Answers one interaction exactly as Discord allows: one acknowledgement (a reply, or a deferral
 * while the command is still working), then edits and follow-ups. Calls are serialised, so a
 * deferral fired by the timer and a reply from the command never race each other.
 */
import { MessageFlags, type ChatInputCommandInteraction } from 'discord.js';
import { cut, discordLimits } from './text.js';

type Stage = 'pending' | 'deferred' | 'replied';

const noPings = { parse: [], repliedUser: false };

export class InteractionResponder {
  #stage: Stage = 'pending';
  #deferredPrivately = false;
  #chain: Promise<void> = Promise.resolve();
  #settle!: () => void;
  /** Settles once Discord has the acknowledgement (or it failed): the reporter waits on this. */
  readonly acknowledged = new Promise<void>((resolve) => {
    this.#settle = resolve;
  });

  /**
   * @param privateByDefault whether a deferral is ephemeral (commands whose every answer is private).
   */
  constructor(
    private readonly interaction: ChatInputCommandInteraction,
    private readonly privateByDefault: boolean,
  ) {}

  /** Acknowledges now if nothing has been said yet, so Discord's 3 seconds never run out. */
  defer(): Promise<void> {
    return this.#serial(async () => {
      if (this.#stage !== 'pending') return;
      await this.interaction.deferReply(
        this.privateByDefault ? { flags: MessageFlags.Ephemeral } : {},
      );
      this.#deferredPrivately = this.privateByDefault;
      this.#stage = 'deferred';
    });
  }

  reply(text: string, options: { ephemeral?: boolean } = {}): Promise<void> {
    const ephemeral = options.ephemeral ?? false;
    const content = cut(text, discordLimits.content);
    return this.#serial(async () => {
      const flags = ephemeral ? MessageFlags.Ephemeral : undefined;
      switch (this.#stage) {
        case 'pending':
          await this.interaction.reply({ content, flags, allowedMentions: noPings });
          break;
        case 'deferred':
          if (ephemeral && !this.#deferredPrivately) {
            // A public "thinking…" cannot turn private: remove it and answer privately instead.
            await this.interaction.deleteReply();
            await this.interaction.followUp({ content, flags, allowedMentions: noPings });
          } else {
            await this.interaction.editReply({ content, allowedMentions: noPings });
          }
          break;
        case 'replied':
          await this.interaction.followUp({ content, flags, allowedMentions: noPings });
          return;
      }
      this.#stage = 'replied';
    });
  }

  /** Ends the exchange: the acknowledgement is settled whatever happened. */
  done(): void {
    this.#settle();
  }

  #serial(step: () => Promise<void>): Promise<void> {
    const run = this.#chain.then(step).finally(() => {
      if (this.#stage !== 'pending') this.#settle();
    });
    this.#chain = run.catch(() => undefined);
    return run;
  }
}
