import { useEffect, useRef, useState } from "preact/hooks";
import { saveApiKey } from "../api.ts";

/**
 * Asks for the studio's API key (the studio was started with CATENA_STUDIO_API_KEY); the key is
 * kept in this browser's local storage and sent as `x-api-key` from then on.
 */
export function ApiKeyDialog({ onSaved }: { onSaved: () => void }) {
  const [key, setKey] = useState("");
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <div class="overlay">
      <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="key-title">
        <form
          onSubmit={(e) => {
            e.preventDefault();
            saveApiKey(key);
            onSaved();
          }}
        >
          <h2 id="key-title">API key</h2>
          <p>This studio was started with an API key. Enter it once; this browser remembers it.</p>
          <label>
            Studio API key
            <input
              ref={input}
              type="password"
              value={key}
              onInput={(e) => setKey((e.target as HTMLInputElement).value)}
            />
          </label>
          <button type="submit" disabled={key === ""}>
            Use this key
          </button>
        </form>
      </div>
    </div>
  );
}
