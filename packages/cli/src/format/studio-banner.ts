/**
 * What `catena studio` prints once it serves: where, which database, and the environment that
 * points the langsmith SDK at it. `LANGSMITH_TRACING=true` is part of it, as `traceable` sends
 * nothing without it; a studio that requires a key is sent that key, never a placeholder.
 *
 * @example
 * studioBanner({ url: "http://127.0.0.1:1984", dbPath: "/tmp/s.db", keyed: false })
 */
export function studioBanner(studio: { url: string; dbPath: string; keyed: boolean }): string {
  const key = studio.keyed ? '"$CATENA_STUDIO_API_KEY"' : "local";
  return (
    `Catena studio serving ${studio.url}\n` +
    `  open the page: ${studio.url}/\n` +
    `  database: ${studio.dbPath}\n` +
    `  point the SDK at it: LANGSMITH_TRACING=true LANGSMITH_ENDPOINT=${studio.url} LANGSMITH_API_KEY=${key}\n` +
    "  stop with Ctrl-C\n"
  );
}
