/** The signed-in account's e-mail address, for what is shown or sent to it (an authenticator's user name, a notice). */
import { WatchwordError } from '@watchword/protocol';
import type { Context } from '../context.ts';

/** INVALID_TOKEN when the account is gone: the token outlived it. */
export async function accountEmail(ctx: Pick<Context, 'storage'>, userId: string): Promise<string> {
  const user = await ctx.storage.users.findById(userId);
  if (!user) throw new WatchwordError('INVALID_TOKEN');
  return user.email;
}
