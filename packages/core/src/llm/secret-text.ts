/** What a redacted secret is replaced with, in base URLs and provider messages alike. */
export const REDACTED = "<redacted>";

/**
 * Whether a URL path segment looks like a credential rather than a route or a model name: it starts
 * `sk-` / `sk_`, or holds a run of 20 or more letters and digits mixing both (an API key, an
 * account token; model names and words are split by `-` or `.` into shorter runs).
 *
 * @example
 * secretLike("sk-live-4f9a8b7c6d5e") // true
 * secretLike("gpt-4.1-mini-2025-04-14") // false
 */
export function secretLike(segment: string): boolean {
  if (/^sk[-_]/i.test(segment)) return true;
  for (const run of segment.match(/[A-Za-z0-9]{20,}/g) ?? []) {
    if (/[0-9]/.test(run) && /[A-Za-z]/.test(run)) return true;
  }
  return false;
}

/**
 * The secrets a call is known to carry, to be hidden wherever a provider echoes them: the API key
 * (or each of the keys a client holds) and the secret-looking path segments of the base URL (a gateway's `/v1/<key>/…`). Values shorter
 * than 8 characters are left out: hiding "k" or "v1" would mangle every message.
 *
 * @example
 * knownSecrets("sk-test-123456", "https://gw.example/v1/Kp3x9QmZ2vR7tLw8YbN4cH6j/chat")
 * // ["sk-test-123456", "Kp3x9QmZ2vR7tLw8YbN4cH6j"]
 */
export function knownSecrets(
  apiKey: string | readonly string[] | undefined,
  baseURL: string | undefined,
): string[] {
  const out: string[] = [];
  if (typeof apiKey === "string") out.push(apiKey);
  else if (apiKey !== undefined) out.push(...apiKey);
  if (baseURL !== undefined) {
    let path = baseURL;
    try {
      const url = new URL(baseURL);
      path = url.pathname;
      for (const part of [url.username, url.password]) if (part !== "") out.push(decodeURIComponent(part));
      for (const value of url.searchParams.values()) out.push(value);
    } catch {
      // Not a URL: its slash-separated parts are judged as they are.
    }
    for (const segment of path.split("/")) if (secretLike(segment)) out.push(segment);
  }
  return [...new Set(out.filter((s) => s.length >= 8))];
}

const URL_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()[\]{}`]+/gi;
// A path in running text ("Route /v1/sk-…/chat not found"): a slash after a space, a quote or a bracket.
const PATH_TEXT = /(^|[\s"'(`[])(\/[^\s"'<>()[\]{}`]+)/g;
// Case-sensitive: "Bearer"/"Basic" as an Authorization header writes them; "basic settings" is prose.
const AUTH_SCHEME = /\b(Bearer|Basic)\s+([A-Za-z0-9._~+/=-]{6,})/g;
// "Token abc…" (Django's, GitHub's scheme), in any case: only a value that looks like one (see tokenLike).
const TOKEN_SCHEME = /\b(token)\s+([A-Za-z0-9._~+/=-]{6,})/gi;
// API keys by their providers' shapes: OpenAI's sk-, Groq's gsk_, xAI's xai-, Google's AIza.
const SK_KEY = /\bsk[-_][A-Za-z0-9_*.-]{6,}/gi;
const KEY_SHAPES = /\b(?:gsk_[A-Za-z0-9]{20,}|xai-[A-Za-z0-9]{20,}|AIza[0-9A-Za-z_-]{30,})/g;
const NAMED_SECRET =
  /\b(api[_-]?key|x-api-key|access[_-]?token|auth[_-]?token|token|secret|password|signature|sig)(["']?\s*[=:]\s*)(?:"([^"\n]{4,})"|'([^'\n]{4,})'|([^\s"'&,;)]{4,}))/gi;
const SECRET_QUERY_KEY =
  /^(api[_-]?key|key|access[_-]?token|auth|token|secret|password|signature|sig|code)$/i;

/**
 * Whether a word after "Token" or "secret: " is a value rather than prose: it has a digit, is 20
 * characters or more, or (`symbols`) has a character words do not (a JWT's dots, base64's `+/=`).
 * "the maximum token length", "Invalid token provided", "Missing secret: configure it" stay.
 */
function tokenLike(value: string, symbols: boolean): boolean {
  const bare = value.replace(/[.]+$/, "");
  return /[0-9]/.test(bare) || bare.length >= 20 || (symbols && /[._~+/=]/.test(bare));
}

/** Sentence punctuation after a match (a key ending a sentence) is kept, not hidden with it. */
function redactKeepingStop(match: string): string {
  return `${REDACTED}${/\.+$/.exec(match)?.[0] ?? ""}`;
}

/**
 * A provider's text (an error message) with the secrets it may echo replaced by `<redacted>`: the
 * `known` secrets of the call wherever they appear, API keys in the `sk-…`, `gsk_…`, `xai-…` and
 * `AIza…` shapes, `Bearer`/`Basic`/`Token` credentials, `key=…`/`token: …` pairs, and in URLs and
 * paths, the user and password, secret query values and secret-looking path segments (see
 * {@link secretLike}). Words, routes, model names and request ids stay as they are: the message
 * must still say what went wrong.
 *
 * @example
 * redactSecrets("No route for https://gw.example/v1/sk-live-4f9a8b7c6d5e/chat (Bearer abc.def.ghi)")
 * // "No route for https://gw.example/v1/<redacted>/chat (Bearer <redacted>)"
 */
export function redactSecrets(text: string, known: readonly string[] = []): string {
  let out = text;
  // Longest first: a key that contains another is hidden whole.
  for (const secret of [...known].sort((a, b) => b.length - a.length)) {
    if (secret.length >= 8) out = out.split(secret).join(REDACTED);
  }
  out = out.replace(URL_TEXT, (url) => redactedUrl(url));
  out = out.replace(PATH_TEXT, (_all, before: string, path: string) => `${before}${redactedPath(path)}`);
  out = out.replace(AUTH_SCHEME, (all, scheme: string, value: string) =>
    tokenLike(value, true) ? `${scheme} ${redactKeepingStop(value)}` : all,
  );
  out = out.replace(TOKEN_SCHEME, (all, scheme: string, value: string) =>
    tokenLike(value, false) ? `${scheme} ${redactKeepingStop(value)}` : all,
  );
  out = out.replace(SK_KEY, redactKeepingStop);
  out = out.replace(KEY_SHAPES, REDACTED);
  out = out.replace(
    NAMED_SECRET,
    (
      all,
      name: string,
      sep: string,
      double: string | undefined,
      single: string | undefined,
      bare: string | undefined,
    ) => {
      if (double !== undefined) return `${name}${sep}"${REDACTED}"`;
      if (single !== undefined) return `${name}${sep}'${REDACTED}'`;
      const value = bare ?? "";
      if (value.startsWith("<redacted")) return all;
      // "secret: configure it" is prose; "key=abcd", "key: 'x'", "password: hunter2" are values.
      if (/\s/.test(sep) && !/["']/.test(sep) && !tokenLike(value, true)) return all;
      return `${name}${sep}${redactKeepingStop(value)}`;
    },
  );
  return out;
}

/**
 * A URL with its user, password, secret query values and secret-looking path segments hidden. The
 * rest is kept as written (its encoding, fragment, trailing slash): a URL with nothing secret
 * comes back unchanged.
 */
function redactedUrl(text: string): string {
  // Sentence punctuation after a URL is not part of it.
  const tail = /[.,;:!?]+$/.exec(text)?.[0] ?? "";
  const raw = tail === "" ? text : text.slice(0, -tail.length);
  const parts = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)([^?#]*)(\?[^#]*)?(#.*)?$/i.exec(raw);
  if (parts === null) return `${redactedPath(raw)}${tail}`;
  const [, scheme = "", authority = "", path = "", query = "", fragment = ""] = parts;
  const at = authority.lastIndexOf("@");
  const host = at === -1 ? authority : `${REDACTED}@${authority.slice(at + 1)}`;
  return `${scheme}${host}${redactedPath(path)}${redactedParams(query)}${redactedParams(fragment)}${tail}`;
}

/** A query (`?a=b&c=d`) or fragment with the values of secret keys and secret-looking values hidden. */
function redactedParams(params: string): string {
  if (params === "") return params;
  const pairs = params
    .slice(1)
    .split("&")
    .map((pair) => {
      const eq = pair.indexOf("=");
      if (eq === -1) return pair;
      const key = decoded(pair.slice(0, eq));
      const value = pair.slice(eq + 1);
      return value !== REDACTED && (SECRET_QUERY_KEY.test(key) || secretLike(decoded(value)))
        ? `${pair.slice(0, eq)}=${REDACTED}`
        : pair;
    });
  return `${params[0]}${pairs.join("&")}`;
}

function decoded(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, " "));
  } catch {
    return text;
  }
}

function redactedPath(path: string): string {
  return path
    .split("/")
    .map((segment) => (segment !== REDACTED && secretLike(segment) ? REDACTED : segment))
    .join("/");
}

/**
 * Hides the secrets of a provider's error in place (its message and stack, and its causes'): the
 * error is kept as the step's failure's cause, which a results file, a log or a trace shows.
 * Errors whose message cannot be written are left as they are.
 */
export function redactErrorSecrets(error: unknown, known: readonly string[] = []): void {
  let e = error;
  for (let depth = 0; depth < 5 && typeof e === "object" && e !== null; depth++) {
    const target = e as { message?: unknown; stack?: unknown };
    for (const field of ["message", "stack"] as const) {
      const value = target[field];
      if (typeof value !== "string") continue;
      const redacted = redactSecrets(value, known);
      if (redacted === value) continue;
      try {
        Object.defineProperty(target, field, {
          value: redacted,
          writable: true,
          configurable: true,
          enumerable: false,
        });
      } catch {
        // A frozen error: nothing to do about its text here.
      }
    }
    e = (e as { cause?: unknown }).cause;
  }
}
