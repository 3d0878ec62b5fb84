import { type AccountData, type AccountResponse, api, emptyAccountData, type KeyPin, openAccountData, sealAccountData, WatchwordError, withKeyPins } from '@watchword/protocol';
import type { Session } from '../session.ts';
import type { PinStore } from './pins.ts';

/** How many times a write that lost to another device's is merged again and retried. */
const ATTEMPTS = 5;

/**
 * The key pins kept in the account's sealed account data (account-data.ts), written with PUT /api/v1/account/data at
 * the revision read: when another device wrote first (ACCOUNT_DATA_CONFLICT) the document is read again and the
 * change applied to it afresh, so neither device's pins — nor the password history, which a pin write carries as
 * read — are lost. The account answer the Vault holds is kept current, so a password change made afterwards starts
 * from the pins written here.
 */
export class AccountPinStore implements PinStore {
  readonly #session: Session;
  readonly #account: AccountResponse;
  readonly #accountKey: Uint8Array;

  constructor(session: Session, account: AccountResponse, accountKey: Uint8Array) {
    this.#session = session;
    this.#account = account;
    this.#accountKey = accountKey;
  }

  async load(): Promise<KeyPin[]> {
    return (await this.#open(this.#account.accountData)).keyPins ?? [];
  }

  async save(change: (pins: KeyPin[]) => KeyPin[]): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const data = await this.#open(this.#account.accountData);
      const next: AccountData = withKeyPins(data, change(data.keyPins ?? []));
      const accountData = await sealAccountData({ accountKey: this.#accountKey, userId: this.#account.userId, data: next });
      try {
        const { revision } = await this.#session.call(api.account.writeData, { body: { accountData, revision: this.#account.accountDataRevision } });
        this.#remember(accountData, revision);
        return;
      } catch (error) {
        if (!(error instanceof WatchwordError) || error.code !== 'ACCOUNT_DATA_CONFLICT' || attempt >= ATTEMPTS) throw error;
        const fresh = await this.#session.call(api.account.get, {});
        this.#remember(fresh.accountData, fresh.accountDataRevision);
      }
    }
  }

  /** A document that does not open is not overwritten (its history would be lost): the write fails instead. */
  #open(sealed: string | null): Promise<AccountData> {
    return sealed === null ? Promise.resolve(emptyAccountData()) : openAccountData({ accountKey: this.#accountKey, userId: this.#account.userId, sealed });
  }

  /** The Vault's account answer follows what was written (checkNewPassword and a password change read it). */
  #remember(accountData: string | null, revision: number): void {
    this.#account.accountData = accountData;
    this.#account.accountDataRevision = revision;
  }
}
