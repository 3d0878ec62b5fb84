import { describe, expect, it } from 'vitest';
import type { ItemContent } from '@watchword/protocol';
import { type ImportFormat, parseImportFile } from '../src/import/index.ts';
import { fixture, folderOf, passImportItems, sorted } from '@watchword/testkit';

/**
 * One test per file in shared/fixtures/imports (SOURCES.md): every item the file holds arrives, compared whole —
 * every field — with what the file says, read by eye and written out here. Order is the file's own where it has one.
 */
async function read(name: string) {
  return parseImportFile({ bytes: fixture(name) });
}

async function expectFile(name: string, format: ImportFormat, expected: ItemContent[], extra: { trashed?: string[]; leftOut?: Record<string, string[]> } = {}) {
  const result = await read(name);
  expect(result.format).toBe(format);
  expect(result.items).toHaveLength(expected.length);
  expect(sorted(result.items.map((i) => i.content))).toEqual(sorted(expected));
  expect(result.items.filter((i) => i.trashed).map((i) => i.content.name).sort()).toEqual([...(extra.trashed ?? [])].sort());
  const leftOut = Object.fromEntries(result.items.filter((i) => i.leftOut.length > 0).map((i) => [i.content.name, i.leftOut]));
  expect(leftOut).toEqual(extra.leftOut ?? {});
  return result;
}

describe('the pass-import database, as each manager wrote it (14 entries)', () => {
  const pinOnly = [{ name: 'pin', value: '462916', hidden: false }];
  const pinAndOld = [...pinOnly, { name: 'oldpin', value: '489019', hidden: false }];

  it('bitwarden.csv: folders (nested by "/"), note types, custom fields from "name: value" lines', async () => {
    await expectFile('bitwarden.csv', 'bitwarden-csv', passImportItems({ folders: true, notes: 'note', aibFields: pinAndOld, eol: '\r\n' }));
  });
  it('bitwarden-passimport.json: folders by id, secure notes, custom text fields', async () => {
    await expectFile('bitwarden-passimport.json', 'bitwarden-json', passImportItems({ folders: true, notes: 'note', aibFields: pinAndOld }));
  });
  it('1password8.csv: no folders; every row a login', async () => {
    await expectFile('1password8.csv', '1password-csv', passImportItems({ folders: false }));
  });
  it('lastpass-passimport.csv (older columns): groupings nest by "\\"', async () => {
    await expectFile('lastpass-passimport.csv', 'lastpass-csv', passImportItems({ folders: true }));
  });
  it('keepass2-passimport.xml: nested groups under the database root, one custom string', async () => {
    await expectFile('keepass2-passimport.xml', 'keepass-xml', passImportItems({ folders: true, aibFields: pinOnly }));
  });
  it('chrome.csv: name, url, username, password, note', async () => {
    await expectFile('chrome.csv', 'chrome-csv', passImportItems({ folders: false }));
  });
  it('firefox.csv: no names (the host stands in), no notes; url holds what was written', async () => {
    const names: Record<string, string> = { 'https://news.ycombinator.com': 'news.ycombinator.com' };
    await expectFile(
      'firefox.csv',
      'firefox-csv',
      passImportItems({
        folders: false,
        adjust: (item) => {
          const { notes: _notes, ...rest } = item;
          return { ...rest, name: names[item.name] ?? item.name, login: { ...item.login, urls: [item.name] } };
        },
      }),
    );
  });
  it('keeper.csv (no header row): folders, every row a login', async () => {
    await expectFile('keeper.csv', 'keeper-csv', passImportItems({ folders: true }));
  });
  it('nordpass.csv: the 6 folder rows define folders and are no items; a notes-only row is a note', async () => {
    const items = passImportItems({ folders: true, adjust: (i) => (i.name === 'note' ? { ...i, type: 'note' } : i) });
    await expectFile('nordpass.csv', 'nordpass-csv', items);
  });
  it('enpass.json: folders nested through parent_uuid, a custom text field', async () => {
    await expectFile('enpass.json', 'enpass-json', passImportItems({ folders: true, aibFields: pinOnly }));
  });
});

describe('the other real exports', () => {
  it('bitwarden.json: note, card, identity, login; text / hidden / boolean fields; 3 URLs; TOTP; favourite', async () => {
    const fields = (bool: string) => [
      { name: 'Text Field', value: 'text-field-value', hidden: false },
      { name: 'Hidden Field', value: 'hidden-field-value', hidden: true },
      { name: 'Boolean Field', value: bool, hidden: false, kind: 'boolean' as const },
    ];
    await expectFile('bitwarden.json', 'bitwarden-json', [
      { type: 'note', name: 'My Secure Note', notes: '1st line of secure note\n2nd line of secure note\n3rd line of secure note', folder: 'My Folder', fields: fields('false') },
      {
        type: 'card',
        name: 'Card Name',
        notes: '1st line of note text\n2nd line of note text',
        folder: 'Second Folder',
        fields: fields('false'),
        card: { cardholder: 'Jane Doe', brand: 'Visa', number: '1234567891011121', expMonth: '10', expYear: '2021', code: '123' },
      },
      {
        type: 'identity',
        name: 'My Identity',
        notes: '1st line of a note\n2nd line of a note',
        folder: 'My Folder',
        fields: fields('true'),
        identity: {
          title: 'Mrs', firstName: 'Jane', middleName: 'A', lastName: 'Doe', address: ' 1 North Calle Cesar Chavez ', city: 'Santa Barbara', state: 'CA',
          postalCode: '93103', country: 'United States ', company: 'My Employer', email: 'myemail@gmail.com', phone: '123-123-1234', ssn: '123-12-1234',
          username: 'myusername', passportNumber: '123456789', licenseNumber: '123456789',
        },
      },
      {
        type: 'login',
        name: 'Login Name',
        notes: '1st line of note text\n2nd Line of note text',
        favorite: true,
        folder: 'My Folder',
        fields: fields('true'),
        login: {
          username: 'myusername@gmail.com',
          password: 'mypassword',
          urls: ['https://mail.google.com', 'https://google.com', 'https://gmail.com'],
          totp: 'otpauth://totp/Google:myusername%40gmail.com?secret=DFDFDEF%3D&period=30&digits=6&issuer=Google',
        },
      },
    ]);
  });

  it('bitwarden-passkey.json: the logins arrive; their passkeys are listed as left out', async () => {
    const login = (name: string): ItemContent => ({ type: 'login', name, fields: [], login: { username: 'KPXC_BITWARDEN', urls: ['https://webauthn.io/'] } });
    await expectFile('bitwarden-passkey.json', 'bitwarden-json', [login('webauthn.io'), login('webauthn.io b64')], {
      leftOut: { 'webauthn.io': ['a passkey'], 'webauthn.io b64': ['a passkey'] },
    });
  });

  it('1password.1pux: 9 items in 2 vaults; archived; Wi-Fi, document and bank account as notes; the document file left out', async () => {
    const loginFields = [
      { name: 'phone', value: '555-123-45678', hidden: false },
      { name: 'email', value: 'team@keepassxc.org', hidden: false },
    ];
    const login = { username: 'team@keepassxc.org', password: 'password', urls: ['https://keepassxc.org', 'https://twitter.com'] };
    await expectFile(
      '1password.1pux',
      '1password-1pux',
      [
        {
          type: 'login', name: 'Login', notes: 'Note to self', favorite: true, folder: 'Personal', tags: ['website'],
          fields: [{ name: 'one-time password', value: 'DFDFDEFDEF', hidden: true }, ...loginFields],
          login: { ...login, totp: 'DFDFDEF' },
        },
        { type: 'login', name: 'UUID 005 Password', folder: 'Personal', fields: [], login: { password: 'uuid005password' } },
        {
          type: 'note', name: 'Home Wifi', folder: 'Personal',
          fields: [
            { name: '1Password category', value: 'Wireless Router', hidden: false },
            { name: 'base station name', value: 'wifi1', hidden: false },
            { name: 'base station password', value: '12345678', hidden: true },
          ],
        },
        {
          type: 'card', name: 'Credit Card', folder: 'Personal',
          fields: [{ name: 'valid from', value: '06/2022', hidden: false }],
          card: { cardholder: 'KeePassXC', brand: 'mc', number: '1234567890', code: '123', expMonth: '06', expYear: '2022' },
        },
        { type: 'login', name: 'Login Archived', archived: true, folder: 'Personal', fields: loginFields, login },
        { type: 'note', name: 'KeePassXC Logo', folder: 'Personal', fields: [{ name: '1Password category', value: 'Document', hidden: false }] },
        { type: 'note', name: 'Secure Note', notes: 'This is a note', folder: 'Personal', tags: ['Note', 'Secret Stuff'], fields: [] },
        {
          type: 'identity', name: 'Identity', folder: 'Personal',
          fields: [{ name: 'gender', value: 'male', hidden: false }, { name: 'birth date', value: '2016-01-01', hidden: false }],
          identity: { firstName: 'KeePass', lastName: 'XC', address: '123 Avenue Rd', city: 'Boston', state: 'MA', postalCode: '12345', country: 'us' },
        },
        {
          type: 'note', name: 'Bank Account', folder: 'Shared',
          fields: [
            { name: '1Password category', value: 'Bank Account', hidden: false },
            { name: 'bank name', value: 'Wells Fargo', hidden: false },
            { name: 'name on account', value: 'KeePassXC', hidden: false },
            { name: 'type', value: 'checking', hidden: false },
            { name: 'routing number', value: '12345678', hidden: false },
            { name: 'account number', value: '12345678', hidden: false },
          ],
        },
      ],
      { leftOut: { 'KeePassXC Logo': ['attachment "keepassxc.png"'] } },
    );
  });

  it('1password7.csv: URLs, notes, and every ONE-TIME PASSWORD section column', async () => {
    const u = 'username@example.com';
    const pw = 'MyUnencryptedPassword';
    await expectFile('1password7.csv', '1password-csv', [
      { type: 'login', name: 'Entry1', fields: [], login: { username: u, totp: 'otpauth://totp/TargetLocation%3Ausername%23%40customsubdomain.onmicrosoft.com?secret=MySuperSecretId&issuer=Microsoft' } },
      {
        type: 'login', name: 'Entry2', notes: 'Requires additional information\n\nSee this information for more details',
        fields: [{ name: 'TOTP EMEA', value: 'otpauth://totp/TargetLocation:username%40example.com?secret=MySuperSecretId&issuer=custom.url', hidden: true }],
        login: { username: u, password: pw, totp: 'otpauth://totp/TargetLocation%3Ausername%40example.com?secret=MuSuperSecretId&issuer=Microsoft' },
      },
      { type: 'login', name: 'Entry3', fields: [], login: { username: u, password: pw, urls: ['https://example.com'], totp: 'otpauth://totp/TargetLocation%20Account:username@example.com?secret=MySuperSecretId&issuer=Custom+Name' } },
      { type: 'login', name: 'Entry3', notes: 'Also used for other example account.', fields: [], login: { username: u, password: pw, urls: ['https://www.example.com'], totp: 'otpauth://totp/Target%3Ausername%40example.com?secret=MySuperSecretId&issuer=Microsoft' } },
      { type: 'login', name: 'Entry4', fields: [], login: { username: u, password: pw, totp: 'otpauth://totp/TargetLocation%3Ausername%40customsubdomain.onmicrosoft.com?secret=MySuperSecretId&issuer=Microsoft' } },
      { type: 'login', name: 'Entry5', fields: [], login: { username: u, password: pw, urls: ['https://example.com/'], totp: 'otpauth://totp/TargetLocation%3Ausername%40example.com?secret=MySuperSecretId&issuer=Microsoft' } },
      { type: 'login', name: 'Entry6', fields: [], login: { username: 'username@exmaple.com', password: pw } },
    ]);
  });

  it('lastpass.csv (current columns): the http://sn row is a secure note with its NoteType fields', async () => {
    const f = 'Passwords';
    await expectFile('lastpass.csv', 'lastpass-csv', [
      { type: 'login', name: 'magentocommerce.com', folder: f, fields: [], login: { username: 'username@gmail.net', password: '2r4f4%$23', urls: ['https://www.magentocommerce.com/products/customer/account/login/'] } },
      { type: 'login', name: 'spotify', folder: f, fields: [], login: { username: 'username', password: '4ggga4aga4', urls: ['https://www.spotify.com/de/login/'] } },
      { type: 'login', name: 'Password für hardwareluxx.com', folder: f, fields: [], login: { username: 'username', password: 'g4hw809hgßw4GH', urls: ['http://www.hardwareluxx.com/community/'] } },
      {
        type: 'login', name: 'login.live.com (Microsoft Windows Store)', folder: f, fields: [],
        notes: 'live.com recovery code\nYour new code is ABCDE-ABCDE-ABCDE-ABCDE-ABCDE\n\nApp Password: bs4tzb4stbs4t',
        login: { username: 'username@gmail.com', password: 'ab4zab4z5abz5', urls: ['https://login.live.com/'] },
      },
      { type: 'login', name: 'Generated Password for php.net', folder: f, fields: [], login: { password: 'by4eyb4yb4yb4yb46yb4', urls: ['http://php.net/manual/de/function.explode.php'] } },
      { type: 'login', name: 'login.veeam.com', notes: 'test', folder: f, fields: [], login: { username: 'username@gmail.com', password: 'n46a6ab4a6b4', urls: ['https://login.veeam.com/'] } },
      {
        type: 'note', name: 'Microsoft ', notes: 'Installed on notebook', folder: 'Licenses',
        fields: [
          { name: 'Note type', value: 'Software License', hidden: false },
          { name: 'License Key', value: 'ASDFG-ASDFG-ASDFG-ASDFG-ASDFG', hidden: false },
          { name: 'Purchase Date', value: 'January,1,', hidden: false },
        ],
      },
    ]);
  });

  it('keepass2-keepassxc.xml: root entries, a nested group, the recycle bin to the trash, attachments left out', async () => {
    await expectFile(
      'keepass2-keepassxc.xml',
      'keepass-xml',
      [
        { type: 'login', name: 'Sample Entry 1', notes: 'Notes', tags: ['a b c'], fields: [], login: { username: 'User Name', password: 'Password' } },
        {
          type: 'login', name: 'Sample Entry 2',
          fields: [{ name: 'CustomString', value: 'isavalue', hidden: false }, { name: 'Protected String', value: 'y', hidden: false }],
          login: { username: 'notDEFUSERNAME', password: 'Jer60Hz8o9XHvxBGcRqT', urls: ['http://www.keepassx.org/'] },
        },
        { type: 'login', name: 'Subsub Entry', ...folderOf(['Windows', 'Subsub']), fields: [] },
        { type: 'login', name: 'delentry', fields: [], login: { username: 'DEFUSERNAME', password: 'gJBbkrCsiLBftfocQbNM' } },
      ],
      { trashed: ['delentry'], leftOut: { 'Sample Entry 1': ['attachment "myattach.txt"'], 'Sample Entry 2': ['attachment "myattach.txt"'] } },
    );
  });

  it('keepassxc.csv (2.6 columns): groups below "Root", TOTP, a doubled quote, multi-line notes', async () => {
    const l = (name: string, folder: string[], username: string, password: string, url?: string, notes?: string): ItemContent => ({
      type: 'login', name, ...(notes ? { notes } : {}), ...folderOf(folder), fields: [], login: { ...(username ? { username } : {}), password, ...(url ? { urls: [url] } : {}) },
    });
    const c = ['Company'];
    await expectFile('keepassxc.csv', 'keepassxc-csv', [
      { ...l('home dir ', [], 'meldron', 'xxxx', undefined, 'xxx'), login: { username: 'meldron', password: 'xxxx', totp: 'otpauth://totp/ACME:AzureDiamond?issuer=ACME&secret=NB2W45DFOIZA&algorithm=SHA1&digits=6&period=30' } },
      l('CA', [], '', 'xxx"xxx'),
      l('tunnelbroker', ['Internet'], 'xxx', 'xxx', 'tunnelbroker.net'),
      l('Shellsmart Bruno', ['Internet', 'shops'], '47544645854646', 'xxx', 'https://www.shellsmart.com/smart/index.htm'),
      l('WLAN Passwort', c, 'company', 'xxasd22das', undefined, 'wlanname: company '),
      l('vSphere', c, 'root', '4z4wzws4F', undefined, 'vSphere Client on 192.168.200.248\nfor\n192.168.200.249\n192.168.200.250'),
      l('Portal', c, 'pp', '4wtw4gws4g4g', 'https://park.company-asd.com/path/to/login.jspx'),
      l('repP production', c, 'bernd.bernd@company-asd.com', 'NSUjBlkFpRKZqkYV', 'http://192.168.200.6:8069/'),
      l('MySQL DB (DB28571)', ['Company', 'Shortlinks'], 'asd-d.dd', 'asd35F233f', '80.81.241.58', 'Datenbank:\nDB28571'),
      l('FTP ', ['Company', 'Shortlinks'], 'asd-t-de', 'asdasdDasd3s', 'asd-t.de'),
      l('company-asd.com', ['Company', 'website'], 'companycom', 'a5asSASss', 'http://www.company-asd.com/'),
      l('asdf access', ['Company', 'website'], 'companycom', 'asd5asdasd2', 'https://dcp18-v2.c.asdf.com/'),
      l('DCParis', ['Company', 'DB'], 'my_user', "af3!%%$aA'4gk", '192.168.90.12', 'Hostname: 192.168.90.12\nPort: 1521\nSID: akdb'),
      l('MusicService_v1', ['Company', 'ABC API'], 'abctest', '5/a5F3asdas', 'https://park.company-technologies.com/AWasdasdS/asdas', 'SOAP'),
    ]);
  });

  it('keepassxc-2.7.4-export.csv (current columns): icon and times are metadata, not fields', async () => {
    await expectFile('keepassxc-2.7.4-export.csv', 'keepassxc-csv', [
      {
        type: 'login', name: 'Sample Entry', notes: 'Notes', fields: [],
        login: { username: 'User Name', password: 'Password', urls: ['http://www.somesite.com/'], totp: 'otpauth://totp/Sample%20Entry:User%20Name?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&period=30&digits=6&issuer=Sample%20Entry' },
      },
      { type: 'login', name: 'Subgroup Entry', notes: 'Important note', ...folderOf(['Homebanking', 'Subgroup']), fields: [], login: { username: 'Bank User Name', password: 'SecurePassword', urls: ['https://www.bank.com'] } },
    ]);
  });

  it('protonpass.json: 7 items (one trashed) in 2 vaults; extra fields, 2 URLs, identity sections, alias', async () => {
    const result = await expectFile(
      'protonpass.json',
      'protonpass-json',
      [
        {
          type: 'login', name: 'Test Login - Personal Vault', notes: 'My login secure note.', favorite: true, folder: 'Personal',
          fields: [
            { name: 'non-hidden field', value: 'non-hidden field content', hidden: false },
            { name: 'hidden field', value: 'hidden field content', hidden: true },
            { name: 'second 2fa secret', value: 'TOTPCODE', hidden: true },
            { name: 'Email', value: 'Email', hidden: false },
          ],
          login: {
            username: 'Username', password: 'Password', urls: ['https://example.com/', 'https://example2.com/'],
            totp: 'otpauth://totp/Test%20Login%20-%20Personal%20Vault:Username?issuer=Test%20Login%20-%20Personal%20Vault&secret=TOTPCODE&algorithm=SHA1&digits=6&period=30',
          },
        },
        {
          type: 'note', name: 'My Secure Note', notes: 'Secure note contents.', folder: 'Personal',
          fields: [{ name: 'note text field', value: 'note text value', hidden: false }, { name: 'note hidden field', value: 'note hidden value', hidden: true }],
        },
        {
          type: 'card', name: 'Test Card', notes: 'Credit Card Note', favorite: true, folder: 'Personal',
          fields: [
            { name: 'card text field', value: 'card text value', hidden: false },
            { name: 'card hidden field', value: 'card hidden value', hidden: true },
            { name: 'PIN', value: '1234', hidden: true },
          ],
          card: { cardholder: 'Test name', number: '1234222233334444', code: '333', expMonth: '01', expYear: '2025' },
        },
        { type: 'note', name: 'My Deleted Note', notes: 'Secure note contents.', folder: 'Personal', fields: [] },
        {
          type: 'identity', name: 'Identity', folder: 'Personal',
          fields: [
            { name: 'TestExtra', value: 'Extra', hidden: false },
            { name: 'fullName', value: 'Test 1', hidden: false },
            { name: 'gender', value: 'Male', hidden: false },
            { name: 'TestPersonal', value: 'Personal', hidden: false },
            { name: 'organization', value: 'Bitwarden', hidden: false },
            { name: 'floor', value: '12th Foor', hidden: false },
            { name: 'county', value: 'Test County', hidden: false },
            { name: 'TestAddress', value: 'Address', hidden: false },
            { name: 'xHandle', value: '@twiter', hidden: false },
            { name: 'secondPhoneNumber', value: '243538978', hidden: false },
            { name: 'instagram', value: '@insta', hidden: false },
            { name: 'TestContact', value: 'Contact', hidden: true },
            { name: 'jobTitle', value: 'Engineer', hidden: false },
            { name: 'workPhoneNumber', value: '78236476238746', hidden: false },
            { name: 'TestWork', value: 'Work', hidden: true },
            { name: 'TestSection: TestSection', value: 'Section', hidden: false },
            { name: 'TestSection: TestSectionHidden', value: 'SectionHidden', hidden: true },
          ],
          identity: {
            firstName: 'Test', middleName: '1', lastName: 'Test', email: 'test@gmail.com', phone: '7507951789', company: 'Bitwarden', address: '23 Street',
            postalCode: '4038456', city: 'New York', state: 'Test', country: 'US', ssn: '98378264782', passportNumber: '7173716378612', licenseNumber: '21234',
          },
        },
        {
          type: 'note', name: 'Alias', folder: 'Personal',
          fields: [{ name: 'Proton Pass type', value: 'alias', hidden: false }, { name: 'Alias', value: 'alias.removing005@passinbox.com', hidden: false }],
        },
        { type: 'login', name: 'Other vault login', folder: 'Test', fields: [], login: { username: 'other vault username', password: 'other vault password', totp: 'JBSWY3DPEHPK3PXP' } },
      ],
      { trashed: ['My Deleted Note'] },
    );
    expect(result.items.filter((i) => !i.trashed)).toHaveLength(6);
  });

  it('protonpass.csv: alias as a note, login, card from the JSON in its note, note', async () => {
    await expectFile('protonpass.csv', 'protonpass-csv', [
      { type: 'note', name: 'Alias name', notes: 'login note or empty', folder: 'Personal', fields: [{ name: 'Alias', value: 'test@domain.com', hidden: false }, { name: 'Type', value: 'alias', hidden: false }] },
      {
        type: 'login', name: 'example.com', folder: 'Personal', fields: [],
        login: { username: 'test@domain.com', password: 'testpassword', urls: ['https://example.com/login'], totp: 'otpauth://totp/ACME%20Co:john.doe@email.com?secret=HXDMVJECJJWSRB3HWIZR4IFUGFTMXBOZ&issuer=ACME%20Co&algorithm=SHA1&digits=6&period=30' },
      },
      { type: 'card', name: 'TEST CARD', notes: 'Test card', folder: 'Personal', fields: [{ name: 'PIN', value: '1234', hidden: true }], card: { cardholder: 'TEST', number: '123456789000', code: '123', expMonth: '12', expYear: '2022' } },
      { type: 'note', name: 'Test note', notes: 'Note content', folder: 'Personal', fields: [] },
    ]);
  });

  it('dashlane.csv: 15 credentials; second user names as fields; categories as folders; unnamed rows named by host', async () => {
    const e = 'email@example.com';
    const p = 'p4assw0rd';
    const l = (name: string, username: string, password: string, url?: string, folder?: string, second?: string): ItemContent => ({
      type: 'login', name, ...(folder ? { folder } : {}),
      fields: second ? [{ name: 'Username 2', value: second, hidden: false }] : [],
      login: { ...(username ? { username } : {}), password, ...(url ? { urls: [url] } : {}) },
    });
    await expectFile('dashlane.csv', 'dashlane-csv', [
      l('service', e, p),
      l('title', e, 'v3rys3cur3', 'title.com'),
      l('title', 'justausername', 'dontleakme', 'title.com'),
      l('title', e, "this contains `,` so it's in quotes", 'https://www.title.com/accounts/edit', 'Geschäftlich'),
      l('title', '', p, 'https://title.com/account/register', undefined, 'username'),
      l('title.com', e, p, 'https://title.com/us/', 'Shopping'),
      l('title', e, p, 'https://title.com/key/', 'Unterhaltung', 'use this instead of email'),
      l('title', e, p, 'https://title.com/'),
      l('title', 'justausername', p, 'https://www.title.com/html/myAccount/login/page.html', 'Shopping'),
      l('account.title.com', '', p, 'https://account.title.com/login/oauth2/enter-password'),
      l('title', e, p, 'https://git.title.com/-/profile/password/edit'),
      l('title', 'justausername', p, 'title'),
      l('www.title.com', e, p, 'https://www.title.com/v3/register/main.page', 'Unterhaltung', 'use me'),
      l('title', e, p, 'https://www.title.com/checkout/shippingPayment'),
      l('title', e, p, 'https://title.com', undefined, 'login name'),
    ]);
  });
});
