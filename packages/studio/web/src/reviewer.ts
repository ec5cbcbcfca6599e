import { useState } from "preact/hooks";

const REVIEWER_STORAGE = "catena.studio.reviewer";

/** The reviewer's name, remembered by this browser, and a setter that remembers a new one. */
export function useReviewer(): [string, (name: string) => void] {
  const [name, setName] = useState(() => localStorage.getItem(REVIEWER_STORAGE) ?? "");
  return [
    name,
    (next: string) => {
      localStorage.setItem(REVIEWER_STORAGE, next);
      setName(next);
    },
  ];
}

/** How feedback from the page names who gave it: LangSmith's `feedback_source` of type `app`. */
export function feedbackSource(reviewer: string): { type: string; metadata: Record<string, unknown> } {
  return {
    type: "app",
    metadata: reviewer === "" ? { via: "catena-studio" } : { reviewer, via: "catena-studio" },
  };
}

/**
 * Who gave a piece of feedback, as a reviewer reads it: the name it carries (`reviewer` from the
 * page, `user` from `feedback()`'s source), else where it came from. LangSmith's SDK marks feedback
 * it sends `api` (`model` for an evaluator's) and its own app marks feedback given on the page `app`:
 * a type, not a person, so feedback without a name says so rather than showing the type.
 */
export function feedbackGiver(
  source: { type?: string; metadata?: Record<string, unknown> } | null | undefined,
): string {
  for (const key of ["reviewer", "user"]) {
    const name = source?.metadata?.[key];
    if (typeof name === "string" && name.trim() !== "") return name;
  }
  switch (source?.type) {
    case "api":
      return "(no name, through the API)";
    case "model":
      return "(an evaluator)";
    default:
      return "(no name)";
  }
}
