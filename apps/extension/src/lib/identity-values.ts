import type { ItemContent, VaultItem } from '@watchword/client';
import type { IdentityRole } from './identity-fields.ts';
import type { FillValues } from './messages.ts';

type Identity = NonNullable<ItemContent['identity']>;

/**
 * What an identity item fills into each identity slot (lib/identity-fields.ts). The item keeps the street address as
 * one text: its first line is `address-line1`, the other lines together `address-line2`, all of it `street-address`
 * (a single-line field, so the lines are joined with ", ").
 */
export function identityValues(identity: Identity): FillValues {
  const lines = (identity.address ?? '')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
  const name = [identity.firstName, identity.middleName, identity.lastName].filter((p) => p && p.trim()).join(' ');
  const slots: Partial<Record<IdentityRole, string | undefined>> = {
    name,
    'honorific-prefix': identity.title,
    'given-name': identity.firstName,
    'additional-name': identity.middleName,
    'family-name': identity.lastName,
    organization: identity.company,
    tel: identity.phone,
    'street-address': lines.join(', '),
    'address-line1': lines[0],
    'address-line2': lines.slice(1).join(', '),
    'address-level2': identity.city,
    'address-level1': identity.state,
    'postal-code': identity.postalCode,
    country: identity.country,
  };
  const filled = Object.fromEntries(Object.entries(slots).filter(([, v]) => typeof v === 'string' && v !== '')) as Partial<Record<IdentityRole, string>>;
  return { identity: filled, ...(identity.email ? { email: identity.email } : {}) };
}

/** The second line of an identity in the inline menu: the name, else the e-mail. */
export function identityLabel(item: VaultItem): string {
  const identity = item.content.identity ?? {};
  return [identity.firstName, identity.lastName].filter(Boolean).join(' ') || identity.email || '';
}
