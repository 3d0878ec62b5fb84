import type { VaultItem } from '@watchword/client';
import { parseTotpSecret, totp } from '@watchword/protocol';
import { identityValues } from './identity-values.ts';
import type { FillValues, FormKind } from './messages.ts';

/**
 * What is filled from an item into a form of a kind: a login's user name and password, its current one-time code, a
 * card's fields (expiry as MM/YY, the number without spaces), an identity's (identity-values.ts).
 */

/** The current TOTP code of a login's secret; undefined when it has none or it does not parse. */
export async function currentTotp(secret: string | undefined): Promise<string | undefined> {
  if (!secret) return undefined;
  try {
    const parsed = parseTotpSecret(secret);
    return await totp(parsed.secret, Date.now(), parsed.params);
  } catch {
    return undefined;
  }
}

/** How a card is named in the menu: its last four digits, else its brand. */
export function cardLabel(item: VaultItem): string {
  const number = item.content.card?.number?.replace(/\D/g, '') ?? '';
  return number ? `•••• ${number.slice(-4)}` : (item.content.card?.brand ?? '');
}

function cardValues(item: VaultItem): FillValues {
  const card = item.content.card ?? {};
  const month = card.expMonth ? card.expMonth.padStart(2, '0') : '';
  const year = card.expYear ? card.expYear.slice(-2) : '';
  return {
    ...(card.cardholder ? { ccName: card.cardholder } : {}),
    ...(card.number ? { ccNumber: card.number.replace(/[\s-]/g, '') } : {}),
    ...(month && year ? { ccExp: `${month}/${year}` } : {}),
    ...(card.code ? { ccCsc: card.code } : {}),
  };
}

export async function fillValues(item: VaultItem, kind: FormKind): Promise<FillValues> {
  if (kind === 'card') return item.content.type === 'card' ? cardValues(item) : {};
  if (kind === 'identity') return item.content.type === 'identity' ? identityValues(item.content.identity ?? {}) : {};
  const login = item.content.login ?? {};
  if (kind === 'otp') {
    const code = await currentTotp(login.totp);
    return code ? { totp: code } : {};
  }
  if (kind === 'username-only') return login.username ? { username: login.username } : {};
  return { ...(login.username ? { username: login.username } : {}), ...(login.password ? { password: login.password } : {}) };
}
