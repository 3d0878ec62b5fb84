/**
 * Security notifications by e-mail. Always sent in the background: a response never waits for (or reveals) a
 * mail, which keeps enumeration-sensitive answers (registration, recovery request) identical in time too.
 */
import type { Context } from '../context.ts';
import { sendInBackground } from '../mail/mailer.ts';
import * as templates from '../mail/templates.ts';
import type { ClientInfo } from './sessions.ts';
import type { DeviceHistory } from '../storage/mfa.ts';

export type Template = { subject: string; text: string };

export function notify(ctx: Context, to: string, message: Template): Promise<void> {
  return sendInBackground(ctx.mailer, { to, ...message }, ctx.log);
}

/**
 * "New device" = a device name and user agent this account has not logged in with before (the login gate reads it,
 * storage `loginGate`). The first login after registration is not announced (there is nothing to compare with).
 */
export function notifyIfNewDevice(ctx: Context, email: string, client: ClientInfo, history: DeviceHistory): void {
  if (history !== 'new') return;
  void notify(ctx, email, templates.newDeviceLogin({ deviceName: client.deviceName, ip: client.ip, userAgent: client.userAgent, at: new Date(ctx.now()) }));
}
