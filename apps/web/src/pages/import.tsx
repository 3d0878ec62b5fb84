import { useState } from 'preact/hooks';
import {
  type DuplicateChoice,
  IMPORT_FORMATS,
  IMPORT_LIMITS,
  type ImportFormat,
  type ImportPlan,
  WatchwordError,
  commitImport,
  folderSegments,
  parseImportFile,
  previewImport,
} from '@watchword/client';
import { ErrorMessage, Notice, PageTitle, SubmitButton } from '../components/feedback.tsx';
import { PasswordField, Select } from '../components/fields.tsx';
import { TableHead } from '../components/table.tsx';
import { useAction } from '../lib/action.ts';
import { announce } from '../lib/announce.ts';
import { UserError } from '../lib/errors.ts';
import { currentVault, refreshItems } from '../lib/session.ts';

/** Rows of the preview table shown at most; the counts above it cover every item. */
const MAX_ROWS = 500;

const FORMAT_NAMES: Record<ImportFormat, string> = {
  'watchword-json': 'Watchword JSON', 'watchword-csv': 'Watchword CSV', 'bitwarden-json': 'Bitwarden JSON', 'bitwarden-csv': 'Bitwarden CSV',
  '1password-1pux': '1Password 1PUX', '1password-csv': '1Password CSV', 'lastpass-csv': 'LastPass CSV', 'keepass-xml': 'KeePass 2 XML',
  'keepass-kdbx': 'KeePass database (KDBX)', 'keepassxc-csv': 'KeePassXC CSV', 'chrome-csv': 'Chrome / Edge / Brave CSV', 'firefox-csv': 'Firefox CSV',
  'safari-csv': 'Safari CSV', 'protonpass-json': 'Proton Pass JSON', 'protonpass-csv': 'Proton Pass CSV', 'protonpass-zip': 'Proton Pass zip',
  'dashlane-csv': 'Dashlane CSV', 'keeper-csv': 'Keeper CSV', 'nordpass-csv': 'NordPass CSV', 'enpass-json': 'Enpass JSON',
};

/**
 * `ww import` in the page: the file is read and checked here, a table shows what will come in (and what cannot),
 * then the items are encrypted in this page and sent in all-or-nothing batches.
 */
export function ImportPage() {
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<'auto' | ImportFormat>('auto');
  const [password, setPassword] = useState('');
  const [needsPassword, setNeedsPassword] = useState(false);
  const [plan, setPlan] = useState<ImportPlan | null>(null);
  const [duplicates, setDuplicates] = useState<DuplicateChoice>('skip');
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [result, setResult] = useState<string | null>(null);
  const action = useAction();

  const read = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      setResult(null);
      setPlan(null);
      if (!file) throw new UserError('Choose a file first.');
      if (file.size > IMPORT_LIMITS.maxFileBytes) throw new UserError(`That file is too large to import (over ${IMPORT_LIMITS.maxFileBytes / 1024 / 1024} MiB).`);
      const bytes = new Uint8Array(await file.arrayBuffer());
      try {
        const parsed = await parseImportFile({ bytes, ...(format !== 'auto' ? { format } : {}), ...(needsPassword ? { password } : {}) });
        if (parsed.items.length === 0) throw new UserError('The file holds no items.');
        setPlan(await previewImport(currentVault(), parsed));
      } catch (error) {
        if (error instanceof WatchwordError && error.code === 'IMPORT_PASSWORD_REQUIRED') {
          setNeedsPassword(true);
          throw new UserError('This file is encrypted: enter its password, then read it again.');
        }
        throw error;
      }
    });
  };

  const commit = () => {
    void action.run(async () => {
      if (!plan) return;
      setProgress({ done: 0, total: plan.parsed.items.length });
      try {
        const r = await commitImport(currentVault(), plan, { duplicates, onProgress: (done, total) => setProgress({ done, total }) });
        const text = `Imported ${r.added} item(s)${r.trashed ? ` (${r.trashed} into the trash)` : ''}${r.merged ? `, merged ${r.merged}` : ''}${r.skipped ? `, skipped ${r.skipped} already in the vault` : ''}.`;
        setResult(text);
        setPlan(null);
        announce(text);
      } finally {
        setProgress(null);
        await refreshItems();
      }
    });
  };

  const s = plan?.summary;
  return (
    <section class="page">
      <PageTitle title="Import">Import items</PageTitle>
      <p>
        An export file from Bitwarden, 1Password, LastPass, KeePass / KeePassXC, Chrome, Edge, Brave, Firefox, Safari, Proton Pass, Dashlane, Keeper,
        NordPass, Enpass, or Watchword. The file is read and encrypted in this page; you see what will come in before anything is stored.
      </p>
      <form onSubmit={read}>
        <div class="field">
          <label for="import-file">File</label>
          <input
            id="import-file"
            type="file"
            onChange={(e) => {
              setFile(e.currentTarget.files?.[0] ?? null);
              setPlan(null);
              setNeedsPassword(false);
              setPassword('');
            }}
          />
        </div>
        <Select<'auto' | ImportFormat> label="Format" value={format} options={[['auto', 'Detect from the content'], ...IMPORT_FORMATS.map((f) => [f, FORMAT_NAMES[f]] as const)]} onChange={setFormat} />
        {needsPassword ? <PasswordField label="Password of the file" value={password} onInput={setPassword} autoComplete="off" /> : null}
        <SubmitButton busy={action.busy && !plan} busyText="Reading…" kind={plan ? 'secondary' : 'primary'}>
          Read file
        </SubmitButton>
      </form>
      <ErrorMessage message={action.error} />
      {result !== null ? <Notice kind="success">{result}</Notice> : null}
      {plan && s ? (
        <div class="import-preview">
          <h2>What will come in</h2>
          <p>
            {FORMAT_NAMES[s.format]}: {s.total} item(s) —{' '}
            {Object.entries(s.byType)
              .filter(([, n]) => n > 0)
              .map(([t, n]) => `${n} ${n === 1 ? t : t === 'identity' ? 'identities' : `${t}s`}`)
              .join(', ')}
            {s.trashed > 0 ? `; ${s.trashed} into the trash` : ''}
            {s.archived > 0 ? `; ${s.archived} archived` : ''}.
          </p>
          <p>Folders: {s.byFolder.map((f) => `${f.folder || '(no folder)'} (${f.count})`).join(', ')}</p>
          {s.leftOut.length > 0 ? (
            <Notice kind="warning">
              {s.leftOut.length} item(s) hold something that cannot come in: {s.leftOut.map((l) => `${l.name} — ${l.what.join(', ')}`).join('; ')}.
            </Notice>
          ) : null}
          {s.duplicates.length > 0 ? (
            <Select<DuplicateChoice>
              label={`${s.duplicates.length} item(s) are already in the vault (same name, user name and host)`}
              value={duplicates}
              options={[['skip', 'Skip them'], ['merge', 'Merge them into the existing items'], ['keep', 'Keep both']]}
              onChange={setDuplicates}
            />
          ) : null}
          <div class="table-scroll">
            <table>
              <TableHead caption="Items in the file" columns={['Name', 'Type', 'User name', 'Folder', 'Left out']} />
              <tbody>
                {plan.parsed.items.slice(0, MAX_ROWS).map((item, i) => (
                  <tr key={i}>
                    <td>
                      {item.content.name}
                      {plan.duplicates.has(i) ? <strong class="badge"> already in the vault</strong> : null}
                      {item.trashed ? <strong class="badge"> to the trash</strong> : null}
                    </td>
                    <td>{item.content.type}</td>
                    <td>{item.content.login?.username ?? ''}</td>
                    <td>{folderSegments(item.content).join(' / ')}</td>
                    <td>{item.leftOut.join(', ')}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {plan.parsed.items.length > MAX_ROWS ? <p class="hint">…and {plan.parsed.items.length - MAX_ROWS} more.</p> : null}
          {progress ? (
            <div class="field">
              <label for="import-progress">Imported so far</label>
              <progress id="import-progress" max={progress.total} value={progress.done}>
                {progress.done} of {progress.total}
              </progress>
            </div>
          ) : null}
          <button type="button" class="primary" disabled={action.busy} onClick={commit}>
            Import {s.total - (duplicates === 'skip' ? s.duplicates.length : 0)} item(s)
          </button>
        </div>
      ) : null}
      <p class="hint">Delete the export file afterwards: it holds your passwords unencrypted.</p>
    </section>
  );
}
