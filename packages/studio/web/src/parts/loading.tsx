/**
 * What a view shows until the studio answers: without it a slow studio's page looked empty, as if
 * there were no runs. A status, so a screen reader says it too.
 */
export function Loading({ what }: { what: string }) {
  return (
    <p class="muted" role="status" aria-busy="true">
      Loading {what}…
    </p>
  );
}
