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
