import { PageTitle } from '../../components/feedback.tsx';
import { AccountSection } from './account.tsx';
import { ActivitySection } from './activity.tsx';
import { ConnectedAppsSection } from './connected-apps.tsx';
import { DeleteAccountSection } from './delete-account.tsx';
import { ExportSection } from './export.tsx';
import { PasswordSection } from './password.tsx';
import { SessionsSection } from './sessions.tsx';
import { ThisDeviceSection } from './this-device.tsx';
import { TwoStepSection } from './two-step.tsx';

const SECTIONS = [
  ['account', 'Account'],
  ['password', 'Master password'],
  ['two-step', 'Two-step login'],
  ['device', 'This device'],
  ['sessions', 'Devices'],
  ['activity', 'Security activity'],
  ['export', 'Export'],
  ['apps', 'Connected apps'],
  ['delete', 'Delete account'],
] as const;
type Section = (typeof SECTIONS)[number][0];

export function SettingsPage({ section }: { section: string | undefined }) {
  const current: Section = SECTIONS.some(([id]) => id === section) ? (section as Section) : 'account';
  const label = SECTIONS.find(([id]) => id === current)?.[1] ?? 'Account';
  return (
    <div class="settings">
      <nav class="sub-nav" aria-label="Settings">
        <ul>
          {SECTIONS.map(([id, text]) => (
            <li key={id}>
              <a href={`#/settings/${id}`} aria-current={id === current ? 'page' : undefined}>
                {text}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <section class="page settings-body">
        <PageTitle title={`Settings: ${label}`}>{label}</PageTitle>
        {current === 'account' ? <AccountSection /> : null}
        {current === 'password' ? <PasswordSection /> : null}
        {current === 'two-step' ? <TwoStepSection /> : null}
        {current === 'device' ? <ThisDeviceSection /> : null}
        {current === 'sessions' ? <SessionsSection /> : null}
        {current === 'activity' ? <ActivitySection /> : null}
        {current === 'export' ? <ExportSection /> : null}
        {current === 'apps' ? <ConnectedAppsSection /> : null}
        {current === 'delete' ? <DeleteAccountSection /> : null}
      </section>
    </div>
  );
}
