import { useEffect, useState } from 'preact/hooks';
import { type AuditEvent, type AuditFilters, AdminApi } from '../../admin-api.ts';
import { ErrorMessage, PageTitle, SubmitButton } from '../../components/feedback.tsx';
import { Select, TextField } from '../../components/fields.tsx';
import { useAction } from '../../lib/action.ts';
import { announce } from '../../lib/announce.ts';
import { downloadText } from '../../lib/download.ts';
import { describeUserAgent, formatTime } from '../../lib/format.ts';
import { currentVault } from '../../lib/session.ts';
import { TableHead } from '../../components/table.tsx';

const PAGE = 50;

/** `datetime-local` text (local time) → milliseconds, or undefined when empty or invalid. */
function toMillis(text: string): number | undefined {
  if (text === '') return undefined;
  const ms = new Date(text).getTime();
  return Number.isFinite(ms) ? ms : undefined;
}

/** The audit log: filters, paging, and export of the whole log as JSON Lines or CSV. */
export function AdminAuditPage() {
  const api = new AdminApi(currentVault().session);
  const [since, setSince] = useState('');
  const [until, setUntil] = useState('');
  const [actionName, setActionName] = useState('');
  const [actorId, setActorId] = useState('');
  const [targetId, setTargetId] = useState('');
  const [outcome, setOutcome] = useState<'' | 'success' | 'failure'>('');
  const [events, setEvents] = useState<AuditEvent[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const load = useAction();
  const exporting = useAction();

  const filters = (): AuditFilters => {
    const f: AuditFilters = {};
    const s = toMillis(since);
    const u = toMillis(until);
    if (s !== undefined) f.since = s;
    if (u !== undefined) f.until = u;
    if (actionName.trim()) f.action = actionName.trim();
    if (actorId.trim()) f.actorId = actorId.trim();
    if (targetId.trim()) f.targetId = targetId.trim();
    if (outcome) f.outcome = outcome;
    return f;
  };
  const search = (more = false) =>
    void load.run(async () => {
      const page = await api.audit({ ...filters(), limit: PAGE, ...(more && cursor ? { cursor } : {}) });
      setEvents(more ? [...events, ...page.items] : page.items);
      setCursor(page.nextCursor);
    });
  useEffect(() => search(), []);

  const exportAs = (format: 'jsonl' | 'csv') =>
    void exporting.run(async () => {
      const text = await api.exportAudit(format);
      const stamp = new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-');
      downloadText(`watchword-audit-${stamp}.${format}`, text, format === 'csv' ? 'text/csv;charset=utf-8' : 'application/x-ndjson;charset=utf-8');
      announce(`Audit log exported as ${format === 'csv' ? 'CSV' : 'JSON Lines'}.`);
    });

  return (
    <section class="page">
      <PageTitle title="Audit log">Audit log</PageTitle>
      <form
        class="filters audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          search();
        }}
      >
        <TextField label="From" type="datetime-local" value={since} onInput={setSince} />
        <TextField label="Until" type="datetime-local" value={until} onInput={setUntil} />
        <TextField label="Action" value={actionName} onInput={setActionName} placeholder="e.g. auth.login" maxLength={64} />
        <TextField label="Actor id" value={actorId} onInput={setActorId} maxLength={64} />
        <TextField label="Target id" value={targetId} onInput={setTargetId} maxLength={64} />
        <Select<'' | 'success' | 'failure'> label="Outcome" value={outcome} options={[['', 'Any'], ['success', 'Success'], ['failure', 'Failure']]} onChange={setOutcome} />
        <SubmitButton busy={load.busy}>Apply filters</SubmitButton>
      </form>
      <div class="button-row">
        <button type="button" class="secondary" disabled={exporting.busy} onClick={() => exportAs('jsonl')}>
          Export JSON Lines
        </button>
        <button type="button" class="secondary" disabled={exporting.busy} onClick={() => exportAs('csv')}>
          Export CSV
        </button>
      </div>
      <ErrorMessage message={load.error ?? exporting.error} />
      <div class="table-scroll">
        <table class="audit">
          <TableHead caption="Audit events" columns={['When', 'Action', 'Outcome', 'Actor', 'Target', 'IP address', 'Client']} />
          <tbody>
            {events.map((e) => (
              <tr key={e.id} class={e.outcome === 'success' ? undefined : 'failed'}>
                <td>{formatTime(e.at)}</td>
                <td>{e.action}</td>
                <td>{e.outcome}</td>
                <td class="mono small">{e.actorId ?? '—'}</td>
                <td class="mono small">{e.targetId ?? '—'}</td>
                <td>{e.ip}</td>
                <td>{describeUserAgent(e.userAgent ?? '')}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {events.length === 0 && !load.busy ? <p class="empty">No events match.</p> : null}
      {cursor ? (
        <button type="button" class="secondary" disabled={load.busy} onClick={() => search(true)}>
          Show more
        </button>
      ) : null}
    </section>
  );
}
