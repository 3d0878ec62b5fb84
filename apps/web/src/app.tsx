import { useEffect } from 'preact/hooks';
import { adminAccess, refreshAdminAccess } from './admin-api.ts';
import { PageTitle } from './components/feedback.tsx';
import { Layout } from './components/layout.tsx';
import { navigate, useRoute } from './lib/router.ts';
import { afterUnlock, auth } from './lib/session.ts';
import { useStore } from './lib/store.ts';
import { AdminAuditPage } from './pages/admin/audit.tsx';
import { AdminOAuthClientsPage } from './pages/admin/oauth-clients.tsx';
import { AdminRolesPage } from './pages/admin/roles.tsx';
import { AdminUsersPage } from './pages/admin/users.tsx';
import { GeneratorPage } from './pages/generator.tsx';
import { ImportPage } from './pages/import.tsx';
import { LoginPage } from './pages/login.tsx';
import { OAuthPage } from './pages/oauth.tsx';
import { OrgsPage } from './pages/orgs.tsx';
import { RecoverPage } from './pages/recover.tsx';
import { RegisterPage } from './pages/register.tsx';
import { SettingsPage } from './pages/settings/settings.tsx';
import { UnlockPage } from './pages/unlock.tsx';
import { VaultPage } from './pages/vault.tsx';
import { VerifyEmailPage } from './pages/verify-email.tsx';

afterUnlock((vault) => void refreshAdminAccess(vault.session));

/** Pages by the first path segment; which ones can open depends on the phase (logged out, locked, unlocked). */
export function App() {
  const state = useStore(auth);
  const route = useRoute();
  const top = route.parts[0] ?? '';

  // The links in mails work whether or not someone is logged in here.
  if (top === 'verify-email') return <Layout minimal><VerifyEmailPage /></Layout>;
  if (top === 'recover') return <Layout minimal><RecoverPage /></Layout>;

  // Until the kept session is found (or not) in IndexedDB: a moment, usually not long enough to see.
  if (state.phase === 'starting') return <Layout minimal><p role="status">Opening…</p></Layout>;
  if (state.phase === 'anonymous') {
    return <Layout minimal>{top === 'register' ? <RegisterPage /> : <LoginPage notice={state.notice} />}</Layout>;
  }
  if (state.phase === 'locked') return <Layout minimal><UnlockPage userId={state.userId} email={state.email} idle={state.idle} /></Layout>;
  return (
    <Layout>
      <SignedIn top={top} parts={route.parts} />
    </Layout>
  );
}

function SignedIn({ top, parts }: { top: string; parts: readonly string[] }) {
  const access = useStore(adminAccess);
  const known = ['vault', 'orgs', 'generator', 'import', 'settings', 'admin', 'oauth'];
  useEffect(() => {
    if (!known.includes(top)) navigate('/vault', { replace: true });
  }, [top]);
  switch (top) {
    case 'generator':
      return <GeneratorPage />;
    case 'import':
      return <ImportPage />;
    case 'orgs':
      return <OrgsPage orgId={parts[1]} />;
    case 'settings':
      return <SettingsPage section={parts[1]} />;
    case 'oauth':
      return <OAuthPage uid={parts[1] ?? ''} />;
    case 'admin':
      if (parts[1] === 'roles' && access.roles) return <AdminRolesPage />;
      if (parts[1] === 'audit' && access.audit) return <AdminAuditPage />;
      if (parts[1] === 'users' && access.users) return <AdminUsersPage />;
      if (parts[1] === 'oauth' && access.oauth) return <AdminOAuthClientsPage />;
      if (access.secondFactorNeeded) return <SecondFactorNeeded />;
      return <NoAccess />;
    default:
      return <VaultPage itemId={parts[1]} mode={parts[2]} />;
  }
}

/** An administrator signed in without a second factor, on a server that requires one for administration. */
function SecondFactorNeeded() {
  return (
    <section class="page">
      <PageTitle title="Administration">Administration needs a second factor</PageTitle>
      <p>
        This server lets administrators in only from a session signed in with a second factor. Turn on an authenticator
        app or a security key under <a href="#/settings/two-step">Settings → Two-step login</a>, then log out and log in
        again with it.
      </p>
    </section>
  );
}

function NoAccess() {
  return (
    <section class="page">
      <PageTitle title="Not available">Not available</PageTitle>
      <p>This page is for administrators, or the server does not offer it. <a href="#/vault">Back to the vault</a>.</p>
    </section>
  );
}
