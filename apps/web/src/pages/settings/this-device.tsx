import { PIN_MAX_LENGTH, PIN_MIN_LENGTH, pinAcceptable } from '@watchword/client';
import { useEffect, useState } from 'preact/hooks';
import { ErrorMessage, Notice, SubmitButton } from '../../components/feedback.tsx';
import { Checkbox, PasswordField } from '../../components/fields.tsx';
import { useAction } from '../../lib/action.ts';
import { announce } from '../../lib/announce.ts';
import { UserError } from '../../lib/errors.ts';
import { PIN_TRIES, hasPin, removePin, setPin } from '../../lib/pin.ts';
import { currentVault, setLogoutOnClose } from '../../lib/session.ts';
import { settings } from '../../lib/settings.ts';
import { useStore } from '../../lib/store.ts';
import { PasskeysPanel } from './passkeys.tsx';

/** How this browser unlocks and how long it stays signed in (docs/web-vault.md). */
export function ThisDeviceSection() {
  const vault = currentVault();
  const prefs = useStore(settings);
  const [pinSet, setPinSet] = useState<boolean | null>(null);
  const [pin, setPinValue] = useState('');
  const [repeat, setRepeat] = useState('');
  const action = useAction();

  useEffect(() => {
    void hasPin(vault.userId).then(setPinSet, () => setPinSet(false));
  }, [vault.userId]);

  const save = (e: Event) => {
    e.preventDefault();
    void action.run(async () => {
      if (!pinAcceptable(pin)) throw new UserError(`A PIN has ${PIN_MIN_LENGTH} to ${PIN_MAX_LENGTH} characters.`);
      if (pin !== repeat) throw new UserError('The two PINs differ.');
      await setPin(vault, pin);
      setPinValue('');
      setRepeat('');
      setPinSet(true);
      announce('PIN set for this device.');
    });
  };

  return (
    <>
      <h2>Unlock methods</h2>
      <p>The master password always unlocks the vault. A passkey of the account can too, and on this device you can also set a PIN.</p>
      <PasskeysPanel />
      <h3>PIN for this device</h3>
      {pinSet ? <Notice kind="success">A PIN is set on this device.</Notice> : null}
      <p class="hint">
        The PIN works in this browser only, and only while you are logged in. After {PIN_TRIES} wrong PINs in a row it is
        removed and the master password is needed. Someone who copies this browser's files off the disk can try PINs
        without that limit, so choose a long one (docs/threat-model.md).
      </p>
      <form onSubmit={save}>
        <PasswordField label={pinSet ? 'New PIN' : 'PIN'} value={pin} onInput={setPinValue} autoComplete="off" maxLength={PIN_MAX_LENGTH} required hint={`${PIN_MIN_LENGTH} to ${PIN_MAX_LENGTH} characters.`} />
        <PasswordField label="Repeat PIN" value={repeat} onInput={setRepeat} autoComplete="off" maxLength={PIN_MAX_LENGTH} required />
        <ErrorMessage message={action.error} />
        <SubmitButton busy={action.busy} busyText="Saving…">
          {pinSet ? 'Change PIN' : 'Set PIN'}
        </SubmitButton>
      </form>
      {pinSet ? (
        <button
          type="button"
          class="secondary"
          onClick={() =>
            void action.run(async () => {
              await removePin(vault.userId);
              setPinSet(false);
              announce('PIN removed from this device.');
            })
          }
        >
          Remove PIN
        </button>
      ) : null}

      <h2>Staying signed in</h2>
      <p>
        Reloading the page or opening a new tab keeps you logged in, with the vault locked. “Log out” ends the session
        everywhere in this browser.
      </p>
      <Checkbox
        label="Log out when the browser closes"
        checked={prefs.logoutOnClose}
        onChange={setLogoutOnClose}
        hint="When the vault next opens after every one of its tabs was closed, the session is ended and forgotten."
      />
    </>
  );
}
