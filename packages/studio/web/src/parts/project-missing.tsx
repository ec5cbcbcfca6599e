import { paths } from "../router.ts";
import type { Loaded } from "../use-api.ts";
import { LoadFailed } from "./load-failed.tsx";

/**
 * A project view whose project could not be read (an old link, a typo, a studio on another
 * database, or one restarting): says so, with a way to try again and the way to the projects,
 * instead of an empty table under "Project".
 */
export function ProjectMissing({ session }: { session: Loaded<unknown> }) {
  return (
    <div>
      <h1>Project</h1>
      <LoadFailed of={session} lead="Could not load this project" />
      <p>
        <a href={paths.projects()}>See all projects</a>
      </p>
    </div>
  );
}
