import { paths } from "../router.ts";

/** The views of one project: its runs, its trends and its annotation queue. */
export function ProjectTabs({
  projectId,
  current,
}: {
  projectId: string;
  current: "runs" | "trends" | "queue";
}) {
  const tabs = [
    ["runs", "Runs", paths.project(projectId)],
    ["trends", "Trends", paths.trends(projectId)],
    ["queue", "Annotation queue", paths.queue(projectId)],
  ] as const;
  return (
    <nav class="tabs" aria-label="Project views">
      {tabs.map(([id, label, href]) => (
        <a key={id} href={href} aria-current={id === current ? "page" : undefined}>
          {label}
        </a>
      ))}
    </nav>
  );
}
