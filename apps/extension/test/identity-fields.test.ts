import { describe, expect, it } from 'vitest';
import { identityRoleByText, identityRoleByToken, normaliseSignals } from '../src/lib/identity-fields.ts';
import { identityValues } from '../src/lib/identity-values.ts';

describe('identity field classification', () => {
  it('reads the autocomplete field name after its qualifiers (HTML autofill tokens)', () => {
    expect(identityRoleByToken(['section-a', 'shipping', 'address-line1'])).toBe('address-line1');
    expect(identityRoleByToken(['billing', 'postal-code'])).toBe('postal-code');
    expect(identityRoleByToken(['country-name'])).toBe('country');
    expect(identityRoleByToken(['work', 'tel'])).toBe('tel');
    expect(identityRoleByToken(['username'])).toBeUndefined();
    expect(identityRoleByToken(['off'])).toBeUndefined();
    expect(identityRoleByToken([])).toBeUndefined();
  });

  it('splits camelCase, snake_case and kebab-case into words', () => {
    expect(normaliseSignals('billingPostCode ship_city address-ext')).toBe('billing post code ship city address ext');
  });

  it.each([
    ['full-name Full name', 'name'],
    ['firstName', 'given-name'],
    ['last_name Surname', 'family-name'],
    ['company-name Company Name (optional)', 'organization'],
    ['address Address 1234 Main St', 'address-line1'],
    ['address-ext Apt. #42', 'address-line2'],
    ['billingAddressLine2', 'address-line2'],
    ['city City', 'address-level2'],
    ['state State', 'address-level1'],
    ['province', 'address-level1'],
    ['country Country', 'country'],
    ['postcode Postal code', 'postal-code'],
    ['zip', 'postal-code'],
  ])('%s → %s', (text, role) => {
    expect(identityRoleByText('text', text)).toBe(role);
  });

  it('leaves login, search and newsletter fields to the login classifier', () => {
    expect(identityRoleByText('text', 'username User name')).toBeUndefined();
    expect(identityRoleByText('text', 'login-name')).toBeUndefined();
    expect(identityRoleByText('text', 'search Search')).toBeUndefined();
    expect(identityRoleByText('text', 'notification-address Sign up for updates')).toBeUndefined();
    expect(identityRoleByText('email', 'email Email address')).toBeUndefined();
    expect(identityRoleByText('password', 'password')).toBeUndefined();
    expect(identityRoleByText('text', 'card-name Name on card')).toBeUndefined();
    expect(identityRoleByText('text', 'statement')).toBeUndefined();
  });

  it('a tel input is a phone number whatever its label says', () => {
    expect(identityRoleByText('tel', 'phone-number Email (optional)')).toBe('tel');
  });
});

describe('identity values', () => {
  it('splits the stored address into lines and joins the name parts', () => {
    const values = identityValues({ firstName: 'Alice', middleName: 'Q', lastName: 'Example', address: '1 Main St\nApt 4\nBack door', city: 'Springfield', country: 'US', email: 'a@example.com' });
    expect(values.email).toBe('a@example.com');
    expect(values.identity).toEqual({
      name: 'Alice Q Example',
      'given-name': 'Alice',
      'additional-name': 'Q',
      'family-name': 'Example',
      'street-address': '1 Main St, Apt 4, Back door',
      'address-line1': '1 Main St',
      'address-line2': 'Apt 4, Back door',
      'address-level2': 'Springfield',
      country: 'US',
    });
  });

  it('an empty identity fills nothing', () => {
    expect(identityValues({})).toEqual({ identity: {} });
  });
});
