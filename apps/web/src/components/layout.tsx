import type { ComponentChildren } from 'preact';
import { adminAccess } from '../admin-api.ts';
import { useRoute } from '../lib/router.ts';
import { auth, lock, logout } from '../lib/session.ts';
import { useStore } from '../lib/store.ts';
import { Announcer } from './feedback.tsx';
import { OfflineBanner, OutboxConflictDialog } from './offline-status.tsx';

/** The frame of every page: skip link, header with navigation (when unlocked), the main region, the live region. */
export function Layout({ children, minimal = false }: { children: ComponentChildren; minimal?: boolean }) {
  const state = useStore(auth);
  return (
    <>
      <a class="skip-link" href="#main" onClick={(e) => {
        e.preventDefault();
        document.getElementById('main')?.focus();
      }}>
        Skip to content
      </a>
      <header class="app-header">
        <a class="brand" href="#/vault">
          Watchword
        </a>
        {!minimal && state.phase === 'unlocked' ? <MainNav /> : null}
        {!minimal && state.phase === 'unlocked' ? (
          <div class="header-actions">
            <span class="account" title="Signed in as">
              {state.email}
            </span>
            <button type="button" class="secondary" onClick={() => lock()}>
              Lock
            </button>
            <button type="button" class="secondary" onClick={() => void logout()}>
              Log out
            </button>
          </div>
        ) : null}
      </header>
      <OfflineBanner />
      <main id="main" tabIndex={-1}>
        {children}
      </main>
      {state.phase === 'unlocked' ? <OutboxConflictDialog /> : null}
      <Announcer />
    </>
  );
}

function MainNav() {
  const route = useRoute();
  const access = useStore(adminAccess);
  const top = route.parts[0] ?? 'vault';
  const sub = route.parts[1];
  const link = (href: string, label: string, current: boolean) => (
    <li>
      <a href={href} aria-current={current ? 'page' : undefined}>
        {label}
      </a>
    </li>
  );
  return (
    <nav aria-label="Main">
      <ul>
        {link('#/vault', 'Vault', top === 'vault')}
        {link('#/orgs', 'Organisations', top === 'orgs')}
        {link('#/generator', 'Generator', top === 'generator')}
        {link('#/import', 'Import', top === 'import')}
        {link('#/settings', 'Settings', top === 'settings')}
        {access.users ? link('#/admin/users', 'Users', top === 'admin' && sub === 'users') : null}
        {access.roles ? link('#/admin/roles', 'Roles', top === 'admin' && sub === 'roles') : null}
        {access.audit ? link('#/admin/audit', 'Audit log', top === 'admin' && sub === 'audit') : null}
        {access.oauth ? link('#/admin/oauth', 'Applications', top === 'admin' && sub === 'oauth') : null}
        {access.secondFactorNeeded ? link('#/admin', 'Administration', top === 'admin') : null}
      </ul>
    </nav>
  );
}
