import { useRef, useState } from "preact/hooks";
import { formatTime } from "../format.ts";
import { type FeedbackInput, feedbackFailure, postFeedback } from "../post-feedback.ts";
import { feedbackGiver, useReviewer } from "../reviewer.ts";
import type { Feedback, FeedbackConfigRow, JsonSchema, Run } from "../types.ts";
import { useApi } from "../use-api.ts";
import { CorrectionEditor } from "./correction-editor.tsx";
import { correctionStart } from "./correction-start.ts";
import { useFocusBack } from "./focus-back.ts";

/**
 * The 1–5 scale, narrowed to what the `rating` key's feedback config allows; empty until the
 * configs are loaded, so that no rating outside them is ever offered.
 */
export function ratingChoices(configs: readonly FeedbackConfigRow[] | undefined): number[] {
  if (configs === undefined) return [];
  const config = configs?.find((c) => c.feedback_key === "rating")?.feedback_config;
  const min = config?.min ?? 1;
  const max = config?.max ?? 5;
  return [1, 2, 3, 4, 5].filter((n) => n >= min && n <= max);
}

/**
 * Feedback on a run: thumbs, a 1–5 rating, a comment and a correction, each sent as LangSmith
 * feedback with the reviewer as its source; the feedback given so far is listed below.
 */
export function FeedbackPanel({
  run,
  feedback,
  outputSchema,
  onSaved,
}: {
  run: Run;
  feedback: Feedback[];
  outputSchema: JsonSchema | undefined;
  onSaved: () => void;
}) {
  const [reviewer, setReviewer] = useReviewer();
  const configs = useApi<FeedbackConfigRow[]>("/feedback-configs");
  const [comment, setComment] = useState("");
  const [editing, setEditing] = useState(false);
  const opener = useFocusBack<HTMLButtonElement>(editing);
  const [message, setMessage] = useState<string | undefined>(undefined);
  // One save at a time: on a slow studio a second click (or a double click) saved the rating or
  // comment twice. The ref answers at once; the state disables the buttons and says so.
  const busy = useRef(false);
  const [saving, setSaving] = useState(false);
  // Resolves whether it was saved: a failed save keeps what the reviewer wrote for another try.
  const send = async (input: FeedbackInput, done: string): Promise<boolean> => {
    if (busy.current) return false;
    busy.current = true;
    setSaving(true);
    setMessage("Saving…");
    try {
      await postFeedback(run, input, reviewer);
      setMessage(done);
      onSaved();
      return true;
    } catch (error) {
      setMessage(feedbackFailure(error));
      return false;
    } finally {
      busy.current = false;
      setSaving(false);
    }
  };
  return (
    <section class="panel" aria-label="Feedback">
      <h2>Feedback</h2>
      <label class="inline">
        Reviewer
        <input
          aria-label="Reviewer name"
          value={reviewer}
          placeholder="your name"
          onInput={(e) => setReviewer((e.target as HTMLInputElement).value)}
        />
      </label>
      <fieldset class="row">
        <legend>Thumbs</legend>
        <button
          type="button"
          aria-label="Thumbs up"
          disabled={saving}
          onClick={() => send({ key: "thumbs", score: 1 }, "Thumbs up saved.")}
        >
          ▲ Good
        </button>
        <button
          type="button"
          aria-label="Thumbs down"
          disabled={saving}
          onClick={() => send({ key: "thumbs", score: 0 }, "Thumbs down saved.")}
        >
          ▼ Bad
        </button>
      </fieldset>
      <fieldset class="row">
        <legend>Rating</legend>
        {ratingChoices(configs.data).map((n) => (
          <button
            type="button"
            key={n}
            aria-label={`Rate ${n}`}
            disabled={saving}
            onClick={() => send({ key: "rating", score: n }, `Rating ${n} saved.`)}
          >
            {n}
          </button>
        ))}
      </fieldset>
      <label>
        Comment
        <textarea
          aria-label="Comment"
          rows={2}
          value={comment}
          onInput={(e) => setComment((e.target as HTMLTextAreaElement).value)}
        />
      </label>
      <button
        type="button"
        disabled={comment.trim() === "" || saving}
        onClick={() =>
          send({ key: "comment", comment }, "Comment saved.").then((saved) => {
            if (saved) setComment("");
          })
        }
      >
        Save comment
      </button>
      {editing ? (
        <CorrectionEditor
          initial={correctionStart(run.outputs, outputSchema)}
          schema={outputSchema}
          autoFocus
          onCancel={() => setEditing(false)}
          onSave={(value) =>
            send({ key: "correction", correction: value }, "Correction saved.").then((saved) => {
              if (saved) setEditing(false);
            })
          }
        />
      ) : (
        <button type="button" ref={opener} onClick={() => setEditing(true)}>
          Correct the output
        </button>
      )}
      {message === undefined ? null : (
        <p role="status" class="status-line">
          {message}
        </p>
      )}
      <ul class="feedback-list" aria-label="Feedback given">
        {feedback.map((f) => (
          <li key={f.id}>
            <strong>{f.key}</strong> {f.score ?? ""} {f.comment ?? ""}
            {f.correction !== null && f.correction !== undefined ? (
              <code> {JSON.stringify(f.correction)}</code>
            ) : null}
            <span class="muted">
              {" "}
              {feedbackGiver(f.feedback_source)} · {formatTime(f.created_at)}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
