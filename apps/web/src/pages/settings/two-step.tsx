import type { MfaStatusResponse, TotpEnrolResponse } from '@watchword/protocol';
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { Dialog } from '../../components/dialog.tsx';
import { ErrorMessage, Notice, SubmitButton } from '../../components/feedback.tsx';
import { PasswordField, TextField } from '../../components/fields.tsx';
import { ShownOnce } from '../../components/shown-once.tsx';
import { useAction } from '../../lib/action.ts';
import { announce } from '../../lib/announce.ts';
import { UserError } from '../../lib/errors.ts';
import { formatTime } from '../../lib/format.ts';
import { client, currentVault } from '../../lib/session.ts';
import { createCredential, webauthnSupported } from '@watchword/ui';
import { TableHead } from '../../components/table.tsx';

/**
 * Second factors: authenticator app (TOTP), security keys and passkeys (WebAuthn), backup codes. Adding a factor or
 * new backup codes asks for the master password (fresh authentication); turning TOTP off asks for a current code.
 */
export function TwoStepSection() {
  const security = client.security(currentVault().session);
  const [status, setStatus] = useState<MfaStatusResponse | null>(null);
  const [backupCodes, setBackupCodes] = useState<{ codes: string[]; intro: string } | null>(null);
  const load = useAction();
  const reload = () => void load.run(async () => setStatus(await security.status()));
  useEffect(reload, []);

  if (backupCodes) {
    return (
      <ShownOnce
        title="Backup codes"
        lines={backupCodes.codes}
        explanation={`${backupCodes.intro} Each code works once in place of a second factor — for the day you lose your phone or key. They are shown only this once: store them offline, apart from your phone.`}
        fileName="watchword-backup-codes.txt"
        confirmLabel="I have saved these backup codes"
        continueLabel="Done"
        onDone={() => {
          setBackupCodes(null);
          reload();
        }}
      />
    );
  }
  if (!status) {
    return (
      <>
        <p>{load.busy ? 'Loading…' : ''}</p>
        <ErrorMessage message={load.error} />
      </>
    );
  }
  const anyFactor = status.totp.enabled || status.webauthn.length > 0;
  return (
    <>
      <p>
        With a second factor on, logging in asks for it after the master password. {anyFactor ? 'It is on for this account.' : 'It is off for this account.'}
      </p>
      <TotpPanel status={status} onChanged={reload} onBackupCodes={(codes) => setBackupCodes({ codes, intro: 'The authenticator app is on.' })} />
      <KeysPanel status={status} onChanged={reload} onBackupCodes={(codes) => setBackupCodes({ codes, intro: 'The security key is added.' })} />
      <BackupCodesPanel status={status} onBackupCodes={(codes) => setBackupCodes({ codes, intro: 'New backup codes made; the previous ones no longer work.' })} />
    </>
  );
}

function TotpPanel({ status, onChanged, onBackupCodes }: { status: MfaStatusResponse; onChanged(): void; onBackupCodes(codes: string[]): void }) {
  const security = client.security(currentVault().session);
  const [step, setStep] = useState<'idle' | 'password' | 'scan' | 'disable'>('idle');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [enrolment, setEnrolment] = useState<(TotpEnrolResponse & { qr: string | null }) | null>(null);
  const action = useAction();

  const start = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const result = await security.enrolTotp(password);
      setPassword('');
      setEnrolment({ ...result, qr: await qrImage(result.otpauthUri) });
      setStep('scan');
    });
  };
  const confirm = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const digits = code.replace(/\s+/g, '');
      if (!/^[0-9]{6}$/.test(digits)) throw new UserError('An authenticator code is 6 digits.');
      const codes = await security.confirmTotp(digits);
      setEnrolment(null);
      setCode('');
      setStep('idle');
      announce('Authenticator app turned on.');
      if (codes) onBackupCodes(codes);
      else onChanged();
    });
  };
  const disable = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const digits = code.replace(/\s+/g, '');
      if (!/^[0-9]{6}$/.test(digits)) throw new UserError('An authenticator code is 6 digits.');
      await security.disableTotp(digits);
      setCode('');
      setStep('idle');
      announce('Authenticator app turned off.');
      onChanged();
    });
  };

  return (
    <section class="card" aria-labelledby="totp-title">
      <h2 id="totp-title">Authenticator app</h2>
      <p>Status: {status.totp.enabled ? <strong>on</strong> : status.totp.pending ? 'set up but not confirmed' : 'off'}</p>
      {step === 'idle' && !status.totp.enabled ? (
        <button type="button" class="primary" onClick={() => setStep('password')}>
          Set up an authenticator app
        </button>
      ) : null}
      {step === 'idle' && status.totp.enabled ? (
        <button type="button" class="secondary" onClick={() => setStep('disable')}>
          Turn off
        </button>
      ) : null}
      {step === 'password' ? (
        <ConfirmWithPassword onSubmit={start} password={password} onPassword={setPassword} action={action} submit="Continue" onCancel={() => setStep('idle')} />
      ) : null}
      {step === 'scan' && enrolment ? (
        <form onSubmit={confirm}>
          <p>Scan this QR code with your authenticator app, or type the key in by hand. Then enter the code the app shows.</p>
          {enrolment.qr ? <img class="qr" src={enrolment.qr} alt="QR code for your authenticator app" width={220} height={220} /> : null}
          <p>
            Key: <code class="mono" data-testid="totp-secret">{enrolment.secret}</code>
          </p>
          <TextField label="6-digit code from the app" value={code} onInput={setCode} autoComplete="one-time-code" inputMode="numeric" maxLength={7} required autoFocus mono />
          <ErrorMessage message={action.error} />
          <div class="button-row">
            <SubmitButton busy={action.busy}>Turn on</SubmitButton>
            <button type="button" class="secondary" onClick={() => setStep('idle')}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
      {step === 'disable' ? (
        <form onSubmit={disable}>
          <TextField label="Current code from the authenticator app" value={code} onInput={setCode} autoComplete="one-time-code" inputMode="numeric" maxLength={7} required autoFocus mono />
          <ErrorMessage message={action.error} />
          <div class="button-row">
            <SubmitButton busy={action.busy} kind="danger">
              Turn off the authenticator app
            </SubmitButton>
            <button type="button" class="secondary" onClick={() => setStep('idle')}>
              Cancel
            </button>
          </div>
        </form>
      ) : null}
    </section>
  );
}

/** The otpauth:// URI as a PNG data: URL (the CSP allows data: images); the QR library loads on demand. */
async function qrImage(uri: string): Promise<string | null> {
  try {
    const qrcode = (await import('qrcode')).default;
    return await qrcode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 2, width: 220 });
  } catch {
    return null;
  }
}

function KeysPanel({ status, onChanged, onBackupCodes }: { status: MfaStatusResponse; onChanged(): void; onBackupCodes(codes: string[]): void }) {
  const security = client.security(currentVault().session);
  const [adding, setAdding] = useState(false);
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [removing, setRemoving] = useState<{ id: string; name: string } | null>(null);
  const action = useAction();
  const supported = webauthnSupported();

  const add = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const options = await security.webauthnRegistrationOptions(password);
      setPassword('');
      const response = await createCredential(options);
      const result = await security.addWebauthn(name.trim() || 'Security key', response);
      setAdding(false);
      setName('');
      announce(`Security key “${result.credential.name}” added.`);
      if (result.backupCodes) onBackupCodes(result.backupCodes);
      else onChanged();
    });
  };
  const remove = (e: Event) => {
    e.preventDefault();
    const key = removing;
    if (!key) return;
    void action.run(async () => {
      await security.removeWebauthn(key.id, password);
      setPassword('');
      setRemoving(null);
      announce(`Security key “${key.name}” removed.`);
      onChanged();
    });
  };

  return (
    <section class="card" aria-labelledby="keys-title">
      <h2 id="keys-title">Security keys and passkeys</h2>
      {status.webauthn.length === 0 ? (
        <p>None added.</p>
      ) : (
        <table>
          <TableHead caption="Security keys" columns={['Name', 'Added', 'Last used']} actions />
          <tbody>
            {status.webauthn.map((k) => (
              <tr key={k.id}>
                <td>{k.name}</td>
                <td>{formatTime(k.createdAt)}</td>
                <td>{formatTime(k.lastUsedAt)}</td>
                <td>
                  <button type="button" class="secondary" onClick={() => setRemoving({ id: k.id, name: k.name })}>
                    Remove<span class="visually-hidden"> {k.name}</span>
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!supported ? <Notice kind="warning">This browser cannot use security keys.</Notice> : null}
      {supported && !adding ? (
        <button type="button" class="primary" onClick={() => setAdding(true)}>
          Add a security key
        </button>
      ) : null}
      {adding ? (
        <ConfirmWithPassword onSubmit={add} password={password} onPassword={setPassword} action={action} submit="Add key" busyText="Waiting for the key…" onCancel={() => setAdding(false)}>
          <TextField label="Name for the key" value={name} onInput={setName} maxLength={64} required autoFocus hint="E.g. “YubiKey on my keyring” or “Laptop passkey”." />
        </ConfirmWithPassword>
      ) : null}
      {removing ? (
        <Dialog title={`Remove “${removing.name}”?`} onCancel={() => setRemoving(null)}>
          <ConfirmWithPassword onSubmit={remove} password={password} onPassword={setPassword} action={action} submit="Remove key" kind="danger" onCancel={() => setRemoving(null)} />
        </Dialog>
      ) : null}
    </section>
  );
}

function BackupCodesPanel({ status, onBackupCodes }: { status: MfaStatusResponse; onBackupCodes(codes: string[]): void }) {
  const security = client.security(currentVault().session);
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  const action = useAction();
  const submit = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      const codes = await security.regenerateBackupCodes(password);
      setPassword('');
      setOpen(false);
      onBackupCodes(codes);
    });
  };
  if (!status.totp.enabled && status.webauthn.length === 0 && status.backupCodes.remaining === 0) return null;
  return (
    <section class="card" aria-labelledby="backup-title">
      <h2 id="backup-title">Backup codes</h2>
      <p>
        {status.backupCodes.remaining} unused backup code{status.backupCodes.remaining === 1 ? '' : 's'} left.
        {status.backupCodes.remaining <= 3 ? ' Make a new set soon.' : ''}
      </p>
      {open ? (
        <ConfirmWithPassword onSubmit={submit} password={password} onPassword={setPassword} action={action} submit="Make new backup codes" onCancel={() => setOpen(false)} />
      ) : (
        <button type="button" class="secondary" onClick={() => setOpen(true)}>
          Make a new set of backup codes
        </button>
      )}
    </section>
  );
}

/**
 * The master password asked again before a change to the second factors (the server's fresh authentication),
 * with the form's own fields (`children`) first; the password field takes the focus when there are none.
 */
export function ConfirmWithPassword(p: {
  onSubmit(e: Event): void;
  password: string;
  onPassword(value: string): void;
  action: { busy: boolean; error: string | null };
  submit: string;
  busyText?: string;
  kind?: 'primary' | 'danger';
  onCancel(): void;
  children?: ComponentChildren;
}) {
  return (
    <form onSubmit={p.onSubmit}>
      {p.children}
      <PasswordField label="Master password (to confirm it is you)" value={p.password} onInput={p.onPassword} autoComplete="current-password" required autoFocus={!p.children} />
      <ErrorMessage message={p.action.error} />
      <div class="button-row">
        <SubmitButton busy={p.action.busy} busyText={p.busyText} kind={p.kind ?? 'primary'}>
          {p.submit}
        </SubmitButton>
        <button type="button" class="secondary" onClick={p.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
