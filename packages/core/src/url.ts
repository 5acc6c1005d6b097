/**
 * A path or URL without its query and fragment (a query can carry a key: Gemini's `?key=`) and
 * without userinfo (`https://user:password@host`). The one place four29 cuts them.
 */
export function withoutQuery(pathOrUrl: string): string {
  const cut = pathOrUrl.search(/[?#]/);
  const bare = cut === -1 ? pathOrUrl : pathOrUrl.slice(0, cut);
  return bare.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}
