/**
 * How the client authenticates against C4C (c4c-odata.md §10). The client only ever asks a provider for the
 * `Authorization` header value, so OAuth 2.0 SAML bearer (POST <tenant>/sap/bc/sec/oauth2/token with
 * grant_type=urn:ietf:params:oauth:grant-type:saml2-bearer, then `Bearer <token>`) can be added as another
 * `C4cAuth` variant, or passed today as `{ kind: 'provider' }`, without touching the request code.
 */

export interface BasicAuth {
  kind: 'basic';
  username: string;
  password: string;
}

/** Any other scheme (e.g. a SAML-bearer token cache): the client calls it for every request. */
export interface ProviderAuth {
  kind: 'provider';
  provider: C4cAuthProvider;
}

export type C4cAuth = BasicAuth | ProviderAuth;

export interface C4cAuthProvider {
  /** The `Authorization` header value for the next request. */
  authorization(): Promise<string>;
  /**
   * Called after a 401. A token provider drops its cached token and returns true when a retry with a fresh
   * token makes sense; basic auth returns false (the password will not become right by itself).
   */
  onUnauthorized(): Promise<boolean>;
  /** For logs: the scheme and the user, never the secret. */
  describe(): string;
}

class BasicAuthProvider implements C4cAuthProvider {
  readonly #header: string;
  readonly #username: string;

  constructor(auth: BasicAuth) {
    if (!auth.username) throw new RangeError('C4C basic auth needs a username');
    if (!auth.password) throw new RangeError('C4C basic auth needs a password');
    if (auth.username.includes(':')) throw new RangeError('a basic-auth username cannot contain ":"');
    // Private field: the header never appears in util.inspect / JSON of the client.
    this.#header = `Basic ${Buffer.from(`${auth.username}:${auth.password}`, 'utf8').toString('base64')}`;
    this.#username = auth.username;
  }

  async authorization(): Promise<string> {
    return this.#header;
  }

  async onUnauthorized(): Promise<boolean> {
    return false;
  }

  describe(): string {
    return `basic (${this.#username})`;
  }
}

export function createAuthProvider(auth: C4cAuth): C4cAuthProvider {
  switch (auth.kind) {
    case 'basic':
      return new BasicAuthProvider(auth);
    case 'provider':
      return auth.provider;
  }
}
