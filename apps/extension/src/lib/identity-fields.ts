/**
 * Identity (name, organisation, phone, postal address) fields: which slot of an identity item a form control asks for.
 * First by the control's autocomplete field name (HTML Living Standard, "Autofill", §4.10.18.7.1: the last token of
 * the attribute is the field name; `section-*`, `shipping`/`billing` and `home`/`work` are only qualifiers), else by
 * what its id, name, placeholder and labels say. The roles are the standard's own field names.
 */
export type IdentityRole =
  | 'name'
  | 'honorific-prefix'
  | 'given-name'
  | 'additional-name'
  | 'family-name'
  | 'organization'
  | 'tel'
  | 'street-address'
  | 'address-line1'
  | 'address-line2'
  | 'address-level2'
  | 'address-level1'
  | 'postal-code'
  | 'country';

export const IDENTITY_ROLES: ReadonlySet<string> = new Set<IdentityRole>([
  'name',
  'honorific-prefix',
  'given-name',
  'additional-name',
  'family-name',
  'organization',
  'tel',
  'street-address',
  'address-line1',
  'address-line2',
  'address-level2',
  'address-level1',
  'postal-code',
  'country',
]);

/** Autocomplete field names that map onto a slot (synonyms folded: `country-name` → country, `tel-national` → tel). */
const TOKEN_ROLES: Record<string, IdentityRole> = {
  name: 'name',
  'honorific-prefix': 'honorific-prefix',
  'given-name': 'given-name',
  'additional-name': 'additional-name',
  'family-name': 'family-name',
  organization: 'organization',
  tel: 'tel',
  'tel-national': 'tel',
  'street-address': 'street-address',
  'address-line1': 'address-line1',
  'address-line2': 'address-line2',
  'address-line3': 'address-line2',
  'address-level2': 'address-level2',
  'address-level1': 'address-level1',
  'postal-code': 'postal-code',
  country: 'country',
  'country-name': 'country',
};

/** The identity slot an autocomplete attribute names, if any (`section-x shipping address-line1` → address-line1). */
export function identityRoleByToken(tokens: readonly string[]): IdentityRole | undefined {
  const field = tokens.at(-1);
  return field === undefined ? undefined : TOKEN_ROLES[field];
}

/** Text that belongs to some other kind of field: never read as an identity slot. */
const RE_OTHER = /user|login|e ?mail|search|query|newsletter|subscri|captcha|coupon|promo|password|card|account|nick|notification/;

/** In order: the more specific pattern first ("address line 2" before "address", "company name" before "name"). */
const HEURISTICS: [RegExp, IdentityRole][] = [
  [/\b(postal|post ?code|postcode|zip|plz)\b/, 'postal-code'],
  [/\b(city|town|locality|suburb|address level ?2)\b/, 'address-level2'],
  [/\b(state|province|region|county|prefecture|address level ?1)\b/, 'address-level1'],
  [/\b(country|nation)\b/, 'country'],
  [/\b(address ?(line)? ?[23]|address ext|apt|apartment|suite|unit|building|flat)\b/, 'address-line2'],
  [/\b(address ?(line)? ?1|street|address)\b/, 'address-line1'],
  [/\b(phone|mobile|telephone|tel|cell)\b/, 'tel'],
  [/\b(company|organi[sz]ation|business|employer|org)\b/, 'organization'],
  [/\b(first ?name|given ?name|forename|fname)\b/, 'given-name'],
  [/\b(middle ?name|additional ?name|middle initial)\b/, 'additional-name'],
  [/\b(last ?name|surname|family ?name|lname)\b/, 'family-name'],
  [/\b(title|salutation|honorific)\b/, 'honorific-prefix'],
  [/\b(full ?name|your ?name|name)\b/, 'name'],
];

/** camelCase, snake_case and kebab-case split into words, lower case: "billingPostCode" → "billing post code". */
export function normaliseSignals(text: string): string {
  return text
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replace(/[_\-.#:()[\]]+/g, ' ')
    .toLowerCase();
}

/**
 * The identity slot a control's words name, if any. `type` is the control's type: e-mail and password controls are
 * never identity slots here (the login classifier owns them); a `tel` control is a phone number.
 */
export function identityRoleByText(type: string, signals: string): IdentityRole | undefined {
  if (type === 'email' || type === 'password') return undefined;
  if (type === 'tel') return 'tel';
  const text = normaliseSignals(signals);
  if (RE_OTHER.test(text)) return undefined;
  for (const [re, role] of HEURISTICS) if (re.test(text)) return role;
  return undefined;
}

/** A form whose controls name this many distinct identity slots (e-mail aside) is an address / identity form. */
export const MIN_IDENTITY_ROLES = 3;
