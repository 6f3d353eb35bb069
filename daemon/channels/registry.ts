import type { Channel, ChannelContext } from './channel.js';
import { createEmailChannel } from './email/channel.js';
import { createTelegramChannel } from './telegram/channel.js';

/**
 * The channels the config asks for, primary first: a notify for "auto" goes to the first one. Adding a
 * channel means one line here and nothing elsewhere.
 */
export function createChannels(ctx: ChannelContext): Channel[] {
  const channels: Channel[] = [];
  if (ctx.config.telegram) channels.push(createTelegramChannel(ctx));
  if (ctx.config.email) channels.push(createEmailChannel(ctx));
  return channels;
}
