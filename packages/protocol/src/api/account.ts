import Type, { type Static } from 'typebox';
import { B64, Timestamp, Uuid, strict } from './common.ts';
import { KdfVersion } from './auth.ts';

const WrappedKey = B64(4096);

export const VaultInfo = Type.Object(
  { id: Uuid, kind: Type.Literal('personal'), wrappedKey: WrappedKey, createdAt: Timestamp },
  strict,
);
export type VaultInfo = Static<typeof VaultInfo>;

export const AccountResponse = Type.Object(
  {
    userId: Uuid,
    email: Type.String(),
    createdAt: Timestamp,
    kdfVersion: KdfVersion,
    keys: Type.Object(
      {
        kekSalt: B64(128),
        wrappedAccountKey: WrappedKey,
        x25519PublicKey: B64(256),
        ed25519PublicKey: B64(256),
        wrappedX25519PrivateKey: WrappedKey,
        wrappedEd25519PrivateKey: WrappedKey,
      },
      strict,
    ),
    vaults: Type.Array(VaultInfo),
    revision: Type.Integer({ minimum: 0 }),
  },
  strict,
);
export type AccountResponse = Static<typeof AccountResponse>;
