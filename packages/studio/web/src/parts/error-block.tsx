import { errorFix } from "./error-fix.ts";

/** A step's error with its code and the fix its message proposes ({@link errorFix}). Long messages are folded. */
export function ErrorBlock({ error, code }: { error: string; code: string | undefined }) {
  const fix = errorFix(error);
  return (
    <div class="error-block" role="alert">
      <p>
        <strong>Error</strong> {code === undefined ? null : <code>{code}</code>}
      </p>
      {fix === undefined ? null : (
        <p>
          <strong>Fix:</strong> {fix}
        </p>
      )}
      <details open={error.length < 400}>
        <summary>Message</summary>
        <pre>{error}</pre>
      </details>
    </div>
  );
}
