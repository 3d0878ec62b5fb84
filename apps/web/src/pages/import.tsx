import { useState } from 'preact/hooks';
import { ErrorMessage, Notice, PageTitle, SubmitButton } from '../components/feedback.tsx';
import { Select } from '../components/fields.tsx';
import { useAction } from '../lib/action.ts';
import { announce } from '../lib/announce.ts';
import { UserError } from '../lib/errors.ts';
import { parseImport } from '../lib/import-file.ts';
import { currentVault, refreshItems } from '../lib/session.ts';

const MAX_FILE_BYTES = 20 * 1024 * 1024;

/** `ww import` in the page: the file is read and encrypted here, then sent in all-or-nothing batches. */
export function ImportPage() {
  const [file, setFile] = useState<File | null>(null);
  const [format, setFormat] = useState<'auto' | 'json' | 'csv'>('auto');
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [result, setResult] = useState<number | null>(null);
  const action = useAction();

  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      setResult(null);
      if (!file) throw new UserError('Choose a file first.');
      if (file.size > MAX_FILE_BYTES) throw new UserError('That file is too large to import (over 20 MB).');
      const kind = format !== 'auto' ? format : file.name.toLowerCase().endsWith('.csv') ? 'csv' : 'json';
      const contents = parseImport(await file.text(), kind);
      if (contents.length === 0) throw new UserError('The file holds no items.');
      setProgress({ done: 0, total: contents.length });
      try {
        const added = await currentVault().addMany(contents, { onProgress: (done, total) => setProgress({ done, total }) });
        setResult(added.length);
        announce(`Imported ${added.length} items.`);
      } finally {
        setProgress(null);
        await refreshItems();
      }
    });
  };

  return (
    <section class="page narrow">
      <PageTitle title="Import">Import items</PageTitle>
      <p>
        A JSON array of Watchword items, or a CSV file with a header row naming some of: <code>name</code>, <code>username</code>, <code>password</code>,{' '}
        <code>url</code>, <code>notes</code>, <code>totp</code>, <code>folder</code>. Every item is checked before anything is sent, and encrypted in this page.
      </p>
      <form onSubmit={submit}>
        <div class="field">
          <label for="import-file">File</label>
          <input id="import-file" type="file" accept=".json,.csv,application/json,text/csv" onChange={(e) => setFile(e.currentTarget.files?.[0] ?? null)} />
        </div>
        <Select<'auto' | 'json' | 'csv'> label="Format" value={format} options={[['auto', 'From the file name'], ['json', 'JSON'], ['csv', 'CSV']]} onChange={setFormat} />
        {progress ? (
          <div class="field">
            <label for="import-progress">Imported so far</label>
            <progress id="import-progress" max={progress.total} value={progress.done}>
              {progress.done} of {progress.total}
            </progress>
          </div>
        ) : null}
        <ErrorMessage message={action.error} />
        {result !== null ? <Notice kind="success">Imported {result} item(s).</Notice> : null}
        <SubmitButton busy={action.busy} busyText="Importing…">
          Import
        </SubmitButton>
      </form>
      <p class="hint">Delete the file afterwards: it holds your passwords unencrypted.</p>
    </section>
  );
}
