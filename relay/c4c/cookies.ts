/**
 * C4C binds the CSRF token to the session cookies set with it (c4c-odata.md §9), so every request of a client
 * must carry the cookies of earlier answers. A tough-cookie jar wired into axios through interceptors does that
 * (domain, path, expiry and Secure rules included) without another package.
 */
import type { AxiosInstance, AxiosResponse, InternalAxiosRequestConfig } from 'axios';
import { CookieJar } from 'tough-cookie';

function requestUrl(config: InternalAxiosRequestConfig): string {
  const url = config.url ?? '';
  if (/^https?:\/\//i.test(url)) return url;
  return new URL(url, config.baseURL).toString();
}

export function attachCookieJar(instance: AxiosInstance, jar: CookieJar = new CookieJar()): CookieJar {
  instance.interceptors.request.use(async (config) => {
    const cookie = await jar.getCookieString(requestUrl(config));
    if (cookie) config.headers.set('Cookie', cookie);
    return config;
  });

  const store = async (response: AxiosResponse): Promise<void> => {
    const setCookie = response.headers['set-cookie'];
    if (!setCookie) return;
    const url = requestUrl(response.config);
    const values = Array.isArray(setCookie) ? setCookie : [String(setCookie)];
    // A malformed cookie from the server must not fail the request.
    await Promise.all(values.map((value) => jar.setCookie(value, url, { ignoreError: true })));
  };

  instance.interceptors.response.use(
    async (response) => {
      await store(response);
      return response;
    },
    async (error: unknown) => {
      const response = (error as { response?: AxiosResponse }).response;
      if (response) await store(response);
      throw error;
    },
  );
  return jar;
}
