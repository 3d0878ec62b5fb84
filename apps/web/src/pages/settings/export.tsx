import type { ExportFormat, ExportResult } from '@watchword/client/export';
import { useState } from 'preact/hooks';
import { ErrorMessage, Notice, SubmitButton } from '../../components/feedback.tsx';
import { PasswordField, Select } from '../../components/fields.tsx';
import { StrengthMeter } from '../../components/strength-meter.tsx';
import { useAction } from '../../lib/action.ts';
import { downloadText } from '../../lib/download.ts';
import { UserError } from '../../lib/errors.ts';
import { currentVault } from '../../lib/session.ts';

const FORMATS: readonly (readonly [ExportFormat, string])[] = [
  ['encrypted-json', 'Encrypted JSON (Watchword, sealed)'],
  ['json', 'JSON (Watchword, every field — not encrypted)'],
  ['csv', 'CSV (spreadsheets — not encrypted)'],
  ['bitwarden-json', 'Bitwarden JSON (to move to Bitwarden/Vaultwarden — not encrypted)'],
];
const KEYS = [
  ['password', 'An export password I choose now'],
  ['account', 'My account key (only this account, logged in, can open it)'],
] as const;

/** `ww export` in the page: the master password again, the file built here and downloaded; the server records the export. */
export function ExportSection() {
  const vault = currentVault();
  const [format, setFormat] = useState<ExportFormat>('encrypted-json');
  const [key, setKey] = useState<'password' | 'account'>('password');
  const [master, setMaster] = useState('');
  const [exportPassword, setExportPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [done, setDone] = useState<ExportResult | null>(null);
  const action = useAction();
  const sealWithPassword = format === 'encrypted-json' && key === 'password';

  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      setDone(null);
      if (sealWithPassword && exportPassword !== repeat) throw new UserError('The two export passwords are not the same.');
      // Loaded on first use: Argon2id (WebAssembly) and the CSV writer stay out of the page's main chunk.
      const { exportVault } = await import('@watchword/client/export');
      const result = await exportVault(vault, { format, masterPassword: master, key, ...(sealWithPassword ? { exportPassword } : {}) });
      downloadText(result.fileName, result.text, `${result.mediaType};charset=utf-8`);
      setMaster('');
      setExportPassword('');
      setRepeat('');
      setDone(result);
    });
  };

  return (
    <form onSubmit={submit} aria-label="Export the vault">
      <p>Everything in your vault (the trash too) goes into one file, made in this page. Your master password is asked again, and the export is recorded in your security activity (the format and the number of items, never what they hold).</p>
      <Select<ExportFormat> label="Format" value={format} options={FORMATS} onChange={(v) => setFormat(v)} />
      {format !== 'encrypted-json' ? (
        <Notice kind="warning">This file is not encrypted: anyone who gets it can read every password in it. Keep it offline and delete it once you are done.</Notice>
      ) : (
        <Select<'password' | 'account'> label="Seal it with" value={key} options={KEYS} onChange={(v) => setKey(v)} />
      )}
      {sealWithPassword ? (
        <>
          <PasswordField label="Export password" value={exportPassword} onInput={setExportPassword} autoComplete="new-password" required describedBy="export-strength" maxLength={1024} />
          <StrengthMeter id="export-strength" password={exportPassword} email={vault.account.email} />
          <PasswordField label="Repeat export password" value={repeat} onInput={setRepeat} autoComplete="new-password" required maxLength={1024} />
        </>
      ) : null}
      <PasswordField label="Master password" value={master} onInput={setMaster} autoComplete="current-password" required />
      {done ? (
        <Notice kind="success">
          Exported {done.items} item(s) to {done.fileName}.{done.skippedTrashed > 0 ? ` ${done.skippedTrashed} item(s) in the trash were left out (the Bitwarden format has no trash).` : ''}
        </Notice>
      ) : null}
      <ErrorMessage message={action.error} />
      <SubmitButton busy={action.busy} busyText="Exporting…">
        Export
      </SubmitButton>
    </form>
  );
}
