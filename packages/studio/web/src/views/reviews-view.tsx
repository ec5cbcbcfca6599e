import { useState } from "preact/hooks";
import { checkJsonSchema } from "../../../src/check-json-schema.ts";
import { ApiError, api } from "../api.ts";
import { formatTime } from "../format.ts";
import { usePageTitle } from "../page-title.ts";
import { LoadFailed } from "../parts/load-failed.tsx";
import { Loading } from "../parts/loading.tsx";
import { initialValue, SchemaField } from "../parts/schema-form.tsx";
import { useReviewer } from "../reviewer.ts";
import { paths } from "../router.ts";
import type { PausedReview } from "../types.ts";
import { useApi } from "../use-api.ts";

/** Runs paused at a `review` step: each waiting one with a decision form made from its schema. */
export function ReviewsView() {
  const reviews = useApi<{ reviews: PausedReview[] }>("/catena/reviews");
  usePageTitle("Paused reviews");
  if (reviews.error !== undefined) {
    return (
      <div>
        <h1>Paused reviews</h1>
        <LoadFailed of={reviews} lead="Could not list paused reviews" />
      </div>
    );
  }
  const list = reviews.data?.reviews ?? [];
  return (
    <div>
      <h1>Paused reviews</h1>
      {reviews.data === undefined ? <Loading what="the paused reviews" /> : null}
      {reviews.data !== undefined && list.length === 0 ? <p>No run waits for a review.</p> : null}
      {list.map((review) => (
        <ReviewCard key={review.run_id} review={review} onDecided={reviews.reload} />
      ))}
    </div>
  );
}

function ReviewCard({ review, onDecided }: { review: PausedReview; onDecided: () => void }) {
  const [reviewer, setReviewer] = useReviewer();
  const [decision, setDecision] = useState<unknown>(() => initialValue(review.decision_schema));
  const [result, setResult] = useState<string | undefined>(undefined);
  const [errors, setErrors] = useState<string[]>([]);
  const problems = checkJsonSchema(decision, review.decision_schema);
  const submit = async (event: Event) => {
    event.preventDefault();
    try {
      const answer = await api<{ status: string }>(`/catena/reviews/${review.run_id}/decision`, {
        method: "POST",
        body: { decision, reviewer },
      });
      setErrors([]);
      setResult(
        answer.status === "resumed"
          ? "Decided: the run resumed."
          : "Decided: stored; catena resume --decided applies it.",
      );
      onDecided();
    } catch (error) {
      const body = error instanceof ApiError ? (error.body as { errors?: unknown }) : undefined;
      setErrors(
        Array.isArray(body?.errors)
          ? body.errors.map((e) => (typeof e === "string" ? e : JSON.stringify(e)))
          : [String((error as Error).message)],
      );
    }
  };
  return (
    <section class="panel" aria-label={`Review of run ${review.run_id}`}>
      <h2>
        {review.chain}@{review.version} · step {review.step}{" "}
        <span class={`badge status-${review.status}`}>{review.status}</span>
      </h2>
      <p class="muted">
        paused {formatTime(review.created_at)} ·{" "}
        <a href={paths.run(review.project, review.run_id)}>open the trace</a>
        {review.reviewer === undefined ? "" : ` · decided by ${review.reviewer}`}
      </p>
      {review.status === "waiting" ? (
        <form onSubmit={submit} aria-label="Decision">
          <SchemaField
            schema={review.decision_schema}
            name="decision"
            value={decision}
            onChange={setDecision}
          />
          <label class="inline">
            Reviewer
            <input
              aria-label="Reviewer name"
              value={reviewer}
              onInput={(e) => setReviewer((e.target as HTMLInputElement).value)}
            />
          </label>
          {problems.length === 0 ? null : (
            <ul class="problems" aria-label="Decision problems">
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          )}
          <button type="submit" disabled={problems.length > 0}>
            Submit decision
          </button>
        </form>
      ) : (
        <pre>{JSON.stringify(review.decision ?? null, null, 2)}</pre>
      )}
      {errors.length === 0 ? null : (
        <ul class="problems" role="alert">
          {errors.map((e) => (
            <li key={e}>{e}</li>
          ))}
        </ul>
      )}
      {result === undefined ? null : <p role="status">{result}</p>}
    </section>
  );
}
