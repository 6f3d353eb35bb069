import type { Channel, ChannelContext } from './channel.js';
import { createTelegramChannel } from './telegram/channel.js';

/** The channels the config asks for. Adding a channel means one line here and nothing elsewhere. */
export function createChannels(ctx: ChannelContext): Channel[] {
  const channels: Channel[] = [];
  if (ctx.config.telegram) channels.push(createTelegramChannel(ctx));
  return channels;
}
