import { route } from '../conversation/router.js';
import type { Channel, ChannelContext } from './channel.js';

/**
 * The channels the config asks for, primary first: what needs a human goes to the first conversation
 * channel when nobody chose. Adding a channel means one line here and nothing elsewhere. Each is imported
 * only when configured: the mail and Telegram libraries are a third of the daemon's memory, and most
 * installs use one channel or none.
 */
export async function createChannels(base: Omit<ChannelContext, 'reaches'>): Promise<Channel[]> {
  const channels: Channel[] = [];
  const ctx: ChannelContext = { ...base, reaches: (e, name) => route(e, channels.map((c) => c.audience)).includes(name) };
  if (ctx.config.telegram) channels.push((await import('./telegram/channel.js')).createTelegramChannel(ctx));
  if (ctx.config.email) channels.push((await import('./email/channel.js')).createEmailChannel(ctx));
  if (ctx.config.webhook) channels.push((await import('./webhook/channel.js')).createWebhookChannel(ctx));
  return channels;
}
