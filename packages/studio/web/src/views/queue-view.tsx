import { useEffect, useRef, useState } from "preact/hooks";
import { formatScore, formatThreshold, formatTime, preview } from "../format.ts";
import { usePageTitle } from "../page-title.ts";
import { CorrectionEditor } from "../parts/correction-editor.tsx";
import { correctionStart } from "../parts/correction-start.ts";
import { ratingChoices } from "../parts/feedback-panel.tsx";
import { useFocusBack } from "../parts/focus-back.ts";
import { JsonFold } from "../parts/json-fold.tsx";
import { LoadFailed } from "../parts/load-failed.tsx";
import { Loading } from "../parts/loading.tsx";
import { ProjectMissing } from "../parts/project-missing.tsx";
import { feedbackFailure, postFeedback } from "../post-feedback.ts";
import { useReviewer } from "../reviewer.ts";
import { paths } from "../router.ts";
import type { FeedbackConfigRow, QueueItem, Session } from "../types.ts";
import { useApi } from "../use-api.ts";
import { ProjectTabs } from "./project-tabs.tsx";

const REASONS: Record<QueueItem["reason"], string> = {
  review: "paused at review",
  deferred: "deferred",
  queued: "queued",
  low_confidence: "low confidence",
  sample: "daily sample",
};

/** Why a run is in the queue; for a run added to an annotation queue, that queue's name. */
function reasonText(item: QueueItem): string {
  return item.reason === "queued" && item.queue !== undefined ? `in ${item.queue}` : REASONS[item.reason];
}

/** An item's input in a line: the text of a one-text input (`{"text": ...}`), else its JSON. */
function inputLine(inputs: unknown): string {
  const values = typeof inputs === "object" && inputs !== null ? Object.values(inputs) : [];
  return preview(values.length === 1 && typeof values[0] === "string" ? values[0] : inputs, 90);
}

/** What a rating key outside the rating's scale says (a config may narrow it, to 1–3 say). */
function notARating(n: number, choices: readonly number[]): string {
  const scale =
    choices.length === 0 ? "none is configured" : `the ratings are ${choices[0]}–${choices.at(-1)}`;
  return `${n} is not a rating here: ${scale}.`;
}

/**
 * The annotation queue, keyboard first: `j`/`k` move, `1`–`5` pick a rating, `e` opens the
 * correction editor (Ctrl+Enter saves it), `Enter` confirms the rating and moves on.
 */
export function QueueView({ projectId }: { projectId: string }) {
  const session = useApi<Session>(`/sessions/${projectId}`);
  const queue = useApi<{ items: QueueItem[] }>(`/catena/queue?project=${projectId}`);
  const configs = useApi<FeedbackConfigRow[]>("/feedback-configs");
  usePageTitle("Annotation queue", session.data?.name);
  const [reviewer] = useReviewer();
  const [index, setIndex] = useState(0);
  const [rating, setRating] = useState<number | undefined>(undefined);
  const [editing, setEditing] = useState(false);
  const opener = useFocusBack<HTMLButtonElement>(editing);
  const [done, setDone] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | undefined>(undefined);
  const items = queue.data?.items ?? [];
  const item = items[Math.min(index, items.length - 1)];
  // Without the configs (the studio could not give them) the ratings are still 1–5.
  const configsLoading = configs.data === undefined && configs.error === undefined;
  const choices = ratingChoices(configs.error === undefined ? configs.data : []);
  // A rating key pressed before the configs came is kept and picked once they have, and an Enter
  // after it saves it then: lost, the reviewer's 3 then Enter saved nothing and said nothing.
  // The Enter holds the run id of the item it was pressed on: the rating is saved for that item,
  // whatever the reviewer did meanwhile (j/k, more keys).
  const [pendingRating, setPendingRatingState] = useState<number | undefined>(undefined);
  const [pendingEnter, setPendingEnterState] = useState<string | undefined>(undefined);
  // Also read at once by the keys: an Enter right after the 3 comes before the render that has it.
  const pendingKey = useRef<number | undefined>(undefined);
  const pendingEnterFor = useRef<string | undefined>(undefined);
  const setPendingRating = (n: number | undefined) => {
    pendingKey.current = n;
    setPendingRatingState(n);
  };
  const setPendingEnter = (runId: string | undefined) => {
    pendingEnterFor.current = runId;
    setPendingEnterState(runId);
  };
  useEffect(() => {
    if (configsLoading || pendingRating === undefined) return;
    const enterFor = pendingEnterFor.current;
    setPendingRating(undefined);
    setPendingEnter(undefined);
    const target = enterFor === undefined ? undefined : items.find((it) => it.run_id === enterFor);
    if (!choices.includes(pendingRating)) setMessage(notARating(pendingRating, choices));
    else if (target !== undefined) saveRating(target, pendingRating, target.run_id === item?.run_id);
    else setRating(pendingRating);
  }, [configsLoading, pendingRating]);
  const state = useRef({ items, index, rating, item });
  const selectedRow = useRef<HTMLLIElement>(null);
  // The item under review is kept in the URL (?item=<run id>, replacing the entry): back from its
  // trace, or after a reload, the reviewer is where they were, not at the first item again.
  const wanted = useRef(new URLSearchParams(location.search).get("item"));
  // The wanted item stays wanted until it is the one shown: cleared earlier, the effect below would
  // write the first item into the URL for one render, and a reload in that moment lost the place.
  useEffect(() => {
    if (wanted.current === null || items.length === 0) return;
    const at = items.findIndex((it) => it.run_id === wanted.current);
    if (at >= 0 && at !== index) {
      setIndex(at);
      return;
    }
    wanted.current = null;
  }, [items, index]);
  useEffect(() => {
    if (item === undefined || wanted.current !== null) return;
    const query = new URLSearchParams(location.search);
    query.set("item", item.run_id);
    history.replaceState(history.state, "", `${location.pathname}?${query}`);
  }, [item?.run_id]);
  // j and k walk a list longer than the window: the item they reach is scrolled into the list's view.
  useEffect(() => {
    selectedRow.current?.scrollIntoView?.({ block: "nearest" });
  }, [item?.run_id]);
  state.current = { items, index, rating, item };

  // Another item starts afresh: a rating picked or a correction open was for the item before.
  const select = (to: (i: number) => number) => {
    setIndex((i) => Math.max(0, Math.min(state.current.items.length - 1, to(i))));
    setRating(undefined);
    // A rating confirmed with Enter while the scale loads is still saved, for the item it was for.
    if (pendingEnterFor.current === undefined) setPendingRating(undefined);
    setEditing(false);
  };
  const move = (by: number) => select((i) => i + by);
  // One save at a time: Enter pressed twice on a slow studio saved the rating twice and moved two
  // items on, past one never looked at.
  const saving = useRef(false);
  const record = async (current: QueueItem, input: Parameters<typeof postFeedback>[1], what: string) => {
    if (saving.current) return false;
    saving.current = true;
    setMessage(`Saving ${what.toLowerCase()}…`);
    try {
      await postFeedback({ id: current.run_id, trace_id: current.trace_id }, input, reviewer);
      setDone((d) => ({ ...d, [current.run_id]: what }));
      setMessage(`${what} saved for run ${current.run_id.slice(0, 8)}.`);
      return true;
    } catch (error) {
      setMessage(feedbackFailure(error));
      return false;
    } finally {
      saving.current = false;
    }
  };

  // Enter, or the Save button (a phone has no Enter to press outside a text field); `moveOn` false
  // when the reviewer has already left the item (a save confirmed while the scale loaded).
  const saveRating = (current: QueueItem, picked: number, moveOn = true) => {
    void record(current, { key: "rating", score: picked }, `Rating ${picked}`).then((ok) => {
      if (ok && moveOn) move(1);
    });
  };

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      const target = event.target as HTMLElement | null;
      if (target?.closest("input, textarea, select, [contenteditable]")) return;
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      const { rating: picked, item: current } = state.current;
      if (event.key === "j") move(1);
      else if (event.key === "k") move(-1);
      else if (/^[1-5]$/.test(event.key)) {
        const n = Number(event.key);
        // Once its Enter is pressed the rating is settled: a 4 after "3, Enter" saved 4.
        if (configsLoading) {
          if (pendingEnterFor.current === undefined) setPendingRating(n);
        } else if (choices.includes(n)) setRating(n);
        else setMessage(notARating(n, choices));
      } else if (event.key === "e" && current !== undefined) {
        event.preventDefault();
        setEditing(true);
      } else if (event.key === "Enter" && current !== undefined && picked !== undefined) {
        event.preventDefault();
        saveRating(current, picked);
      } else if (event.key === "Enter" && current !== undefined && pendingKey.current !== undefined) {
        // The rating pressed while the scale loads is saved once it has come, for this item.
        if (pendingEnterFor.current === undefined) setPendingEnter(current.run_id);
      } else return;
      event.preventDefault();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  });

  if (session.error !== undefined) return <ProjectMissing session={session} />;
  return (
    <div>
      <h1>{session.data === undefined ? "Annotation queue" : `Annotation queue of ${session.data.name}`}</h1>
      <ProjectTabs projectId={projectId} current="queue" />
      <p class="muted" id="queue-keys">
        Keys: <kbd>j</kbd>/<kbd>k</kbd> next/previous, <kbd>1</kbd>–<kbd>5</kbd> rate, <kbd>e</kbd> correct,{" "}
        <kbd>Enter</kbd> confirm.
      </p>
      <LoadFailed of={queue} />
      {queue.data === undefined && queue.error === undefined ? <Loading what="the queue" /> : null}
      {queue.data !== undefined && items.length === 0 ? (
        <p>The queue is empty: nothing waits for a look.</p>
      ) : null}
      <div class="queue">
        <ol class="queue-list" aria-label="Queue items">
          {items.map((it, i) => (
            <li
              key={it.run_id}
              ref={it === item ? selectedRow : null}
              aria-current={it === item ? "true" : undefined}
              class={it === item ? "selected" : ""}
            >
              <button
                type="button"
                onClick={() => select(() => i)}
                aria-label={`Queue item ${i + 1}: ${reasonText(it)}`}
              >
                <span class="badge">{reasonText(it)}</span> {it.chain ?? ""}
                <span class="queue-input">{inputLine(it.inputs)}</span>
                {done[it.run_id] === undefined ? null : <span class="done"> ✓ {done[it.run_id]}</span>}
              </button>
            </li>
          ))}
        </ol>
        {item === undefined ? null : (
          <section class="panel queue-item" aria-label="Current item" aria-describedby="queue-keys">
            <h2>
              {item.chain}
              {item.version === null ? "" : `@${item.version}`} <span class="badge">{reasonText(item)}</span>
            </h2>
            <p class="muted">
              {formatTime(item.start_time)} · status {item.status}
              {item.confidence === null
                ? ""
                : ` · confidence ${formatScore(item.confidence)} (threshold ${formatThreshold(item.threshold)})`}{" "}
              · <a href={paths.run(projectId, item.run_id)}>open the trace</a>
            </p>
            {item.reason === "review" ? (
              <p>
                This run waits for a decision:{" "}
                <a href={paths.reviews()}>decide it on the paused reviews page</a>.
              </p>
            ) : null}
            <JsonFold value={item.inputs} label="inputs" />
            <JsonFold value={item.outputs} label="outputs" />
            <fieldset class="row">
              <legend>Rating</legend>
              {choices.map((n) => (
                <button
                  type="button"
                  key={n}
                  aria-pressed={rating === n}
                  onClick={() => setRating(n)}
                  aria-label={`Rate ${n}`}
                >
                  {n}
                </button>
              ))}
              <button
                type="button"
                class="save-rating"
                disabled={rating === undefined}
                onClick={() => {
                  if (rating !== undefined) saveRating(item, rating);
                }}
              >
                {rating === undefined ? "Save rating" : `Save ${rating}`}
              </button>
              <span class="muted" aria-live="polite">
                {configsLoading
                  ? `loading the ratings…${pendingRating === undefined ? "" : ` ${pendingRating} is ${pendingEnter === undefined ? "picked" : "saved"} once they have`}`
                  : rating === undefined
                    ? "pick a rating"
                    : "or press Enter"}
              </span>
            </fieldset>
            {editing ? (
              <CorrectionEditor
                key={item.run_id}
                initial={correctionStart(item.outputs, item.output_schema ?? undefined)}
                schema={item.output_schema ?? undefined}
                autoFocus
                onCancel={() => setEditing(false)}
                onSave={(value) => {
                  void record(item, { key: "correction", correction: value }, "Correction").then((ok) => {
                    if (ok) setEditing(false);
                  });
                }}
              />
            ) : (
              // The way to it without the `e` key (a phone), and where the focus comes back to.
              <button type="button" ref={opener} onClick={() => setEditing(true)} aria-keyshortcuts="e">
                Correct the output
              </button>
            )}
            {message === undefined ? null : (
              <p role="status" class="status-line">
                {message}
              </p>
            )}
          </section>
        )}
      </div>
    </div>
  );
}
