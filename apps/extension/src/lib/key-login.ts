import type { WebauthnAuthenticationOptions, WebauthnAuthenticationResponse } from '@watchword/protocol';

/**
 * A sign-in waiting for a security key. The service worker runs the login (OPAQUE, then the second-factor step), but
 * WebAuthn runs only in a page: when the server's challenge arrives the worker hands its options to the popup and
 * waits here for the assertion the popup gets from `navigator.credentials.get` (or for its refusal, or 2 minutes).
 */
export interface KeyLogin {
  /** Resolves with the challenge's WebAuthn options, or with null when the login ended without asking for them. */
  options: Promise<WebauthnAuthenticationOptions | null>;
  /** The second-factor prompt for the SDK's login. */
  prompt(webauthn: WebauthnAuthenticationOptions | undefined): Promise<WebauthnAuthenticationResponse>;
  answer(response: WebauthnAuthenticationResponse | null): void;
  /** The login ended (either way): nothing more will be asked. */
  settle(): void;
}

const WAIT_MS = 120_000;

export function keyLogin(): KeyLogin {
  let giveOptions!: (o: WebauthnAuthenticationOptions | null) => void;
  const options = new Promise<WebauthnAuthenticationOptions | null>((resolve) => (giveOptions = resolve));
  let giveAnswer: ((r: WebauthnAuthenticationResponse | null) => void) | undefined;
  return {
    options,
    prompt(webauthn) {
      if (!webauthn) {
        giveOptions(null);
        return Promise.reject(Object.assign(new Error('This account has no security key: use a code.'), { code: 'VALIDATION_FAILED' }));
      }
      return new Promise<WebauthnAuthenticationResponse>((resolve, reject) => {
        const timer = setTimeout(() => giveAnswer?.(null), WAIT_MS);
        giveAnswer = (response) => {
          clearTimeout(timer);
          giveAnswer = undefined;
          if (response) resolve(response);
          else reject(Object.assign(new Error('The security key was not used.'), { code: 'INVALID_SECOND_FACTOR' }));
        };
        giveOptions(webauthn);
      });
    },
    answer(response) {
      giveAnswer?.(response);
    },
    settle() {
      giveOptions(null);
      giveAnswer?.(null);
    },
  };
}
