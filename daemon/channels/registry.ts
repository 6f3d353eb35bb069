import type { Channel, ChannelContext } from './channel.js';

/**
 * The channels the config asks for, primary first: a notify for "auto" goes to the first one. Adding a
 * channel means one line here and nothing elsewhere. Each is imported only when configured: the mail and
 * Telegram libraries are a third of the daemon's memory, and most installs use one channel or none.
 */
export async function createChannels(ctx: ChannelContext): Promise<Channel[]> {
  const channels: Channel[] = [];
  if (ctx.config.telegram) channels.push((await import('./telegram/channel.js')).createTelegramChannel(ctx));
  if (ctx.config.email) channels.push((await import('./email/channel.js')).createEmailChannel(ctx));
  return channels;
}
