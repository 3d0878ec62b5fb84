import type { OrgMember, OrgVaultInfo } from '@watchword/client';
import type { Org, OrgAuditEvent } from '@watchword/protocol';
import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage, PageTitle } from '../../components/feedback.tsx';
import { Select } from '../../components/fields.tsx';
import { TableHead } from '../../components/table.tsx';
import { useAction } from '../../lib/action.ts';
import { errorCode } from '../../lib/errors.ts';
import { formatTime } from '../../lib/format.ts';
import { ACCESS_LABEL, ROLE_LABEL, STATE_LABEL, canManage, orgs } from './common.tsx';

/**
 * #/orgs/:orgId/audit — the organisation's audit events (issue 25 "Audit"): membership, role and vault changes, as the
 * server keeps them for the organisation's owners and admins (`org:audit`). Metadata only: who, what, on what, when;
 * the server does not hand IP addresses or user agents to the organisation (modules/orgs/views.ts). A member without
 * the permission gets no link to this page; opened directly, the server's refusal is shown.
 */

const PAGE = 50;

type Kind = '' | 'org' | 'membership' | 'role' | 'vault';
const KIND_OPTIONS: readonly (readonly [Kind, string])[] = [
  ['', 'Every event'],
  ['org', 'Organisation'],
  ['membership', 'Membership'],
  ['role', 'Roles'],
  ['vault', 'Vaults'],
];

/**
 * What each event is called and its kind. `untargeted`: the server records no target (an invitation names an e-mail
 * address, which the event does not keep), and stores the actor in its place; the page shows none.
 */
const ACTIONS: Record<string, { label: string; kind: Exclude<Kind, ''>; untargeted?: true }> = {
  'org.created': { label: 'Organisation created', kind: 'org' },
  'org.renamed': { label: 'Organisation renamed', kind: 'org' },
  'org.member_invited': { label: 'Member invited', kind: 'membership', untargeted: true },
  'org.member_accepted': { label: 'Invitation accepted', kind: 'membership' },
  'org.member_confirmed': { label: 'Member confirmed', kind: 'membership' },
  'org.member_removed': { label: 'Member removed', kind: 'membership' },
  'org.member_left': { label: 'Member left', kind: 'membership' },
  'org.member_role_changed': { label: 'Role changed', kind: 'role' },
  'vault.created': { label: 'Vault created', kind: 'vault' },
  'vault.renamed': { label: 'Vault renamed', kind: 'vault' },
  'vault.deleted': { label: 'Vault deleted', kind: 'vault' },
  'vault.shared': { label: 'Vault shared', kind: 'vault' },
  'vault.access_changed': { label: 'Vault access changed', kind: 'vault' },
  'vault.unshared': { label: 'Vault unshared', kind: 'vault' },
  'vault.key_rotated': { label: 'Vault key rotated', kind: 'vault' },
};

/** Ids the page can put a name on: members (by account and by membership id), vaults it can open, the organisation. */
interface Names {
  org: Org;
  members: OrgMember[];
  vaults: OrgVaultInfo[];
}

function shortId(id: string): string {
  return `id ${id.slice(0, 8)}…`;
}

function who(names: Names, id: string | null): string {
  if (id === null) return '—';
  const m = names.members.find((x) => x.userId === id || x.id === id);
  return m ? m.email : `A former member (${shortId(id)})`;
}

function what(names: Names, id: string | null): string {
  if (id === null) return '—';
  if (id === names.org.id) return 'The organisation';
  const v = names.vaults.find((x) => x.id === id);
  if (v) return v.name ? `Vault “${v.name}”` : 'A vault you cannot open';
  const m = names.members.find((x) => x.userId === id || x.id === id);
  return m ? m.email : shortId(id);
}

/** The event's metadata as short text: roles and access levels by their labels, member ids by e-mail address. */
function details(names: Names, metadata: OrgAuditEvent['metadata']): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(metadata)) {
    if (value === null) continue;
    const text = String(value);
    if (key === 'role') parts.push(`role: ${ROLE_LABEL[text as keyof typeof ROLE_LABEL] ?? text}`);
    else if (key === 'access') parts.push(`access: ${ACCESS_LABEL[text as keyof typeof ACCESS_LABEL] ?? text}`);
    else if (key === 'member') parts.push(`member: ${who(names, text)}`);
    else if (key === 'state') parts.push(`was: ${STATE_LABEL[text as keyof typeof STATE_LABEL] ?? text}`);
    else if (key === 'vaults') parts.push(`vaults given: ${text}`);
    else if (key === 'keyVersion') parts.push(`key version ${text}`);
    else if (key === 'items') parts.push(`items re-encrypted: ${text}`);
    else parts.push(`${key}: ${text}`);
  }
  return parts.join(' · ');
}

export function OrgAuditPage({ orgId }: { orgId: string }) {
  const [names, setNames] = useState<Names | null | undefined>(undefined);
  const [events, setEvents] = useState<OrgAuditEvent[]>([]);
  const [more, setMore] = useState(false);
  const [refused, setRefused] = useState(false);
  const [kind, setKind] = useState<Kind>('');
  const [actor, setActor] = useState('');
  const load = useAction();

  /** One page of events older than those shown. `before` is exclusive, so the page asks from the last one's millisecond and drops what it already has. */
  const fetchPage = async (shown: OrgAuditEvent[]) => {
    const last = shown.at(-1);
    const page = await orgs().audit(orgId, { limit: PAGE, ...(last ? { before: last.at + 1 } : {}) });
    const seen = new Set(shown.map((e) => e.id));
    const fresh = page.filter((e) => !seen.has(e.id));
    setEvents([...shown, ...fresh]);
    setMore(page.length === PAGE && fresh.length > 0);
  };

  useEffect(
    () =>
      void load.run(async () => {
        const o = orgs();
        const org = (await o.list()).find((x) => x.id === orgId) ?? null;
        if (!org) return setNames(null);
        try {
          await fetchPage([]);
        } catch (error) {
          // The server decides (org:audit); a member without it is told so, not shown a generic failure.
          if (errorCode(error) !== 'FORBIDDEN') throw error;
          setRefused(true);
          return setNames({ org, members: [], vaults: [] });
        }
        // Names are a convenience: an event whose member or vault cannot be resolved shows a short id.
        const [members, vaults] = await Promise.allSettled([o.members(orgId), o.vaults(orgId)]);
        setNames({ org, members: members.status === 'fulfilled' ? members.value : [], vaults: vaults.status === 'fulfilled' ? vaults.value : [] });
      }),
    [orgId],
  );

  if (names === undefined) {
    return (
      <section class="page">
        <PageTitle title="Organisation audit">Audit events</PageTitle>
        <ErrorMessage message={load.error} />
        {load.error ? null : <p role="status">Loading…</p>}
      </section>
    );
  }
  if (names === null) {
    return (
      <section class="page">
        <PageTitle title="Organisation audit">Organisation not found</PageTitle>
        <p>
          You are not a member of this organisation. <a href="#/orgs">Back to organisations</a>.
        </p>
      </section>
    );
  }
  const back = (
    <p>
      <a href={`#/orgs/${names.org.id}`}>Back to {names.org.name}</a>
    </p>
  );
  if (refused) {
    return (
      <section class="page">
        <PageTitle title="Organisation audit">Audit events of {names.org.name}</PageTitle>
        {back}
        <ErrorMessage
          message={
            names.org.state === 'confirmed'
              ? `Only the owners and admins of ${names.org.name} can read its audit events. Your role: ${ROLE_LABEL[names.org.role]}.`
              : `Only the owners and admins of ${names.org.name} can read its audit events, once an admin has confirmed them. You are not confirmed yet.`
          }
        />
      </section>
    );
  }

  const actors = [...new Set(events.map((e) => e.actorId).filter((id): id is string => id !== null))];
  const shown = events.filter((e) => (kind === '' || ACTIONS[e.action]?.kind === kind) && (actor === '' || e.actorId === actor));
  return (
    <section class="page">
      <PageTitle title="Organisation audit">Audit events of {names.org.name}</PageTitle>
      {back}
      <p>
        Changes to the organisation, its members, their roles and its shared vaults, newest first. Metadata only: the server never sees what is in a vault.
        {canManage(names.org.role) ? null : ` Your role: ${ROLE_LABEL[names.org.role]}.`}
      </p>
      <form class="filters audit-filters" aria-label="Filter audit events" onSubmit={(e) => e.preventDefault()}>
        <Select<Kind> label="Kind of event" value={kind} options={KIND_OPTIONS} onChange={setKind} />
        <Select<string> label="Done by" value={actor} options={[['', 'Anyone'], ...actors.map((id) => [id, who(names, id)] as const)]} onChange={setActor} />
      </form>
      <p class="hint">The filters apply to the events loaded so far; “Show older events” loads more.</p>
      <ErrorMessage message={load.error} />
      <div class="table-scroll">
        <table class="audit">
          <TableHead caption={`Audit events of ${names.org.name}`} columns={['When', 'Event', 'Done by', 'On', 'Details']} />
          <tbody>
            {shown.map((e) => (
              <tr key={e.id} class={e.outcome === 'success' ? undefined : 'failed'}>
                <td>{formatTime(e.at)}</td>
                <td>
                  {ACTIONS[e.action]?.label ?? e.action}
                  {e.outcome === 'success' ? null : ' (failed)'}
                </td>
                <td>{who(names, e.actorId)}</td>
                <td>{ACTIONS[e.action]?.untargeted ? '—' : what(names, e.targetId)}</td>
                <td class="small">{details(names, e.metadata)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {shown.length === 0 && !load.busy ? <p class="empty">No events match.</p> : null}
      {more ? (
        <button type="button" class="secondary" disabled={load.busy} onClick={() => void load.run(() => fetchPage(events))}>
          Show older events
        </button>
      ) : null}
    </section>
  );
}
