import { paths } from "../router.ts";

/**
 * A project view whose project could not be read (an old link, a typo, a studio on another
 * database): says so, with the way to the projects, instead of an empty table under "Project".
 */
export function ProjectMissing({ error }: { error: string }) {
  return (
    <div>
      <h2>Project</h2>
      <p role="alert">Could not load this project: {error}</p>
      <p>
        <a href={paths.projects()}>See all projects</a>
      </p>
    </div>
  );
}
